//! The stanzas and stream-management elements the library speaks, as typed values with
//! conversions both ways ([`Element`] ⇄ type), in the manner of xmpp-parsers: what goes on the
//! wire is built here and nowhere else, and always written by the one writer,
//! [`Element::to_bytes`] (quick-xml), so that escaping cannot be forgotten.
//!
//! Reading is lenient where the RFCs allow variation (missing `type` on a message means
//! `normal`) and strict where a wrong value would corrupt the session's bookkeeping (an `h`
//! that is not a number is an error, not a zero).

use super::xml::{xml_safe, Element};
use super::{NS_BIND, NS_CLIENT, NS_MUC, NS_PING, NS_STANZAS};

pub const NS_SM: &str = "urn:xmpp:sm:3";
pub const NS_DELAY: &str = "urn:xmpp:delay";
pub const NS_LEGACY_DELAY: &str = "jabber:x:delay";
pub const NS_DISCO_INFO: &str = "http://jabber.org/protocol/disco#info";
pub const NS_ROSTER: &str = "jabber:iq:roster";
/// XEP-0478 stream limits, announced in the stream features.
pub const NS_STREAM_LIMITS: &str = "urn:xmpp:stream-limits:0";

/// Why an element could not be read as the type asked for. Carries only our own words and
/// element names, never stanza content.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseError {
    /// The element is another one (`expected` names the one wanted).
    Unexpected { expected: &'static str },
    /// A required attribute is missing or not what the XEP allows.
    BadAttribute {
        element: &'static str,
        attribute: &'static str,
    },
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParseError::Unexpected { expected } => write!(f, "expected <{expected}/>"),
            ParseError::BadAttribute { element, attribute } => {
                write!(f, "<{element}/> without a valid '{attribute}'")
            }
        }
    }
}

impl std::error::Error for ParseError {}

fn attr(el: &Element, key: &str) -> Option<String> {
    el.get_attr(key).map(str::to_owned)
}

fn child_text(el: &Element, name: &str, ns: &str) -> Option<String> {
    el.find(name, ns).map(Element::text_content)
}

fn put(el: Element, key: &str, value: &Option<String>) -> Element {
    match value {
        Some(v) => el.attr(key, v),
        None => el,
    }
}

/// The `<error/>` of a refused stanza (RFC 6120 §8.3).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StanzaError {
    /// `cancel`, `wait`, `modify`, `auth`, `continue`.
    pub kind: String,
    /// The defined condition (`service-unavailable`, …); `undefined-condition` when none is given.
    pub condition: String,
    pub text: Option<String>,
}

impl StanzaError {
    pub fn new(kind: &str, condition: &str) -> StanzaError {
        StanzaError {
            kind: kind.to_owned(),
            condition: condition.to_owned(),
            text: None,
        }
    }

    /// The `<error/>` child of `stanza`, if it has one.
    pub fn of(stanza: &Element) -> Option<StanzaError> {
        let error = stanza.find("error", NS_CLIENT)?;
        Some(StanzaError {
            kind: error.get_attr("type").unwrap_or("cancel").to_owned(),
            condition: error
                .elements()
                .find(|c| c.ns == NS_STANZAS && c.name != "text")
                .map(|c| c.name.clone())
                .unwrap_or_else(|| "undefined-condition".into()),
            text: child_text(error, "text", NS_STANZAS),
        })
    }

    pub fn to_element(&self) -> Element {
        let mut el = Element::new("error", NS_CLIENT)
            .attr("type", &self.kind)
            .child(Element::new(&self.condition, NS_STANZAS));
        if let Some(text) = &self.text {
            el = el.child(Element::new("text", NS_STANZAS).text(&xml_safe(text)));
        }
        el
    }
}

/// `<message/>` (RFC 6121 §5).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    pub from: Option<String>,
    pub to: Option<String>,
    pub id: Option<String>,
    /// `chat`, `normal`, `headline`, `groupchat`, `error`; `None` reads as `normal`.
    pub kind: Option<String>,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub thread: Option<String>,
    /// XEP-0203 delay stamp (or the legacy XEP-0091 one): when a message waited offline.
    pub delay_stamp: Option<String>,
    pub error: Option<StanzaError>,
}

impl Message {
    pub fn kind_or_normal(&self) -> &str {
        self.kind.as_deref().unwrap_or("normal")
    }

    pub fn to_element(&self) -> Element {
        let mut el = Element::new("message", NS_CLIENT);
        el = put(el, "from", &self.from);
        el = put(el, "to", &self.to);
        el = put(el, "type", &self.kind);
        el = put(el, "id", &self.id);
        if let Some(subject) = &self.subject {
            el = el.child(Element::new("subject", NS_CLIENT).text(&xml_safe(subject)));
        }
        if let Some(body) = &self.body {
            el = el.child(Element::new("body", NS_CLIENT).text(&xml_safe(body)));
        }
        if let Some(thread) = &self.thread {
            el = el.child(Element::new("thread", NS_CLIENT).text(&xml_safe(thread)));
        }
        if let Some(stamp) = &self.delay_stamp {
            el = el.child(Element::new("delay", NS_DELAY).attr("stamp", stamp));
        }
        if let Some(error) = &self.error {
            el = el.child(error.to_element());
        }
        el
    }
}

impl TryFrom<&Element> for Message {
    type Error = ParseError;
    fn try_from(el: &Element) -> Result<Message, ParseError> {
        if !el.is("message", NS_CLIENT) {
            return Err(ParseError::Unexpected {
                expected: "message",
            });
        }
        Ok(Message {
            from: attr(el, "from"),
            to: attr(el, "to"),
            id: attr(el, "id"),
            kind: attr(el, "type"),
            subject: child_text(el, "subject", NS_CLIENT),
            body: child_text(el, "body", NS_CLIENT),
            thread: child_text(el, "thread", NS_CLIENT),
            delay_stamp: el
                .find("delay", NS_DELAY)
                .or_else(|| el.find("x", NS_LEGACY_DELAY))
                .and_then(|d| attr(d, "stamp")),
            error: StanzaError::of(el),
        })
    }
}

/// `<presence/>` (RFC 6121 §4), with the MUC join of XEP-0045 when `muc` is set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Presence {
    pub from: Option<String>,
    pub to: Option<String>,
    pub id: Option<String>,
    /// `None` = available; `unavailable`, `subscribe`, `error`, …
    pub kind: Option<String>,
    pub status: Option<String>,
    pub priority: Option<i8>,
    /// Joins the room `to` names (an occupant JID `room/nick`).
    pub muc: Option<MucJoin>,
    pub error: Option<StanzaError>,
}

/// The `<x xmlns='…muc'/>` of a room join: how much history to ask for, the room password.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MucJoin {
    pub max_stanzas: Option<u32>,
    /// History of the last this many seconds (a rejoin asks for the time it was away).
    pub seconds: Option<u32>,
    pub password: Option<String>,
}

impl Presence {
    /// The presence that joins a room as `occupant` (`room/nick`), without its history.
    pub fn muc_join(occupant: &str) -> Presence {
        Presence {
            to: Some(occupant.to_owned()),
            muc: Some(MucJoin {
                max_stanzas: Some(0),
                seconds: None,
                password: None,
            }),
            ..Presence::default()
        }
    }

    pub fn to_element(&self) -> Element {
        let mut el = Element::new("presence", NS_CLIENT);
        el = put(el, "from", &self.from);
        el = put(el, "to", &self.to);
        el = put(el, "type", &self.kind);
        el = put(el, "id", &self.id);
        if let Some(status) = &self.status {
            el = el.child(Element::new("status", NS_CLIENT).text(&xml_safe(status)));
        }
        if let Some(priority) = self.priority {
            el = el.child(Element::new("priority", NS_CLIENT).text(&priority.to_string()));
        }
        if let Some(muc) = &self.muc {
            let mut x = Element::new("x", NS_MUC);
            if muc.max_stanzas.is_some() || muc.seconds.is_some() {
                let mut history = Element::new("history", NS_MUC);
                if let Some(n) = muc.max_stanzas {
                    history = history.attr("maxstanzas", &n.to_string());
                }
                if let Some(n) = muc.seconds {
                    history = history.attr("seconds", &n.to_string());
                }
                x = x.child(history);
            }
            if let Some(password) = &muc.password {
                x = x.child(Element::new("password", NS_MUC).text(&xml_safe(password)));
            }
            el = el.child(x);
        }
        if let Some(error) = &self.error {
            el = el.child(error.to_element());
        }
        el
    }
}

impl TryFrom<&Element> for Presence {
    type Error = ParseError;
    fn try_from(el: &Element) -> Result<Presence, ParseError> {
        if !el.is("presence", NS_CLIENT) {
            return Err(ParseError::Unexpected {
                expected: "presence",
            });
        }
        let priority = match child_text(el, "priority", NS_CLIENT) {
            Some(p) => Some(p.trim().parse().map_err(|_| ParseError::BadAttribute {
                element: "priority",
                attribute: "value",
            })?),
            None => None,
        };
        Ok(Presence {
            from: attr(el, "from"),
            to: attr(el, "to"),
            id: attr(el, "id"),
            kind: attr(el, "type"),
            status: child_text(el, "status", NS_CLIENT),
            priority,
            muc: el.find("x", NS_MUC).map(|x| MucJoin {
                max_stanzas: x
                    .find("history", NS_MUC)
                    .and_then(|h| h.get_attr("maxstanzas"))
                    .and_then(|n| n.parse().ok()),
                seconds: x
                    .find("history", NS_MUC)
                    .and_then(|h| h.get_attr("seconds"))
                    .and_then(|n| n.parse().ok()),
                password: child_text(x, "password", NS_MUC),
            }),
            error: StanzaError::of(el),
        })
    }
}

/// The payloads of the iqs we send or answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IqPayload {
    /// XEP-0199 ping (a get).
    Ping,
    /// Resource binding (RFC 6120 §7): the resource asked for in a set, the JID in the result.
    Bind {
        resource: Option<String>,
        jid: Option<String>,
    },
    /// XEP-0030 disco#info query; `features` in a result.
    DiscoInfo { features: Vec<String> },
    /// RFC 6121 roster query; `items` in a result or a push.
    Roster { items: Vec<RosterItem> },
    /// A result or a request with nothing we read.
    Empty,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RosterItem {
    pub jid: String,
    pub name: Option<String>,
    pub subscription: Option<String>,
}

/// `<iq/>` (RFC 6120 §8.2.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iq {
    pub from: Option<String>,
    pub to: Option<String>,
    pub id: String,
    /// `get`, `set`, `result`, `error`.
    pub kind: String,
    pub payload: IqPayload,
    pub error: Option<StanzaError>,
}

impl Iq {
    pub fn ping(id: &str, to: Option<&str>) -> Iq {
        Iq {
            from: None,
            to: to.map(str::to_owned),
            id: id.to_owned(),
            kind: "get".into(),
            payload: IqPayload::Ping,
            error: None,
        }
    }

    pub fn bind(id: &str, resource: &str) -> Iq {
        Iq {
            from: None,
            to: None,
            id: id.to_owned(),
            kind: "set".into(),
            payload: IqPayload::Bind {
                resource: Some(resource.to_owned()),
                jid: None,
            },
            error: None,
        }
    }

    pub fn is_request(&self) -> bool {
        matches!(self.kind.as_str(), "get" | "set")
    }

    /// Our answer to a request from the server: servers ping clients (XEP-0199); anything else
    /// we do not serve (RFC 6120 §8.2.3: an iq request must be answered, here with
    /// service-unavailable).
    pub fn answer(&self) -> Iq {
        let (kind, error) = match self.payload {
            IqPayload::Ping => ("result", None),
            _ => (
                "error",
                Some(StanzaError::new("cancel", "service-unavailable")),
            ),
        };
        Iq {
            from: None,
            to: self.from.clone(),
            id: self.id.clone(),
            kind: kind.into(),
            payload: IqPayload::Empty,
            error,
        }
    }

    pub fn to_element(&self) -> Element {
        let mut el = Element::new("iq", NS_CLIENT);
        el = put(el, "from", &self.from);
        el = put(el, "to", &self.to);
        el = el.attr("type", &self.kind).attr("id", &self.id);
        match &self.payload {
            IqPayload::Ping => el = el.child(Element::new("ping", NS_PING)),
            IqPayload::Bind { resource, jid } => {
                let mut bind = Element::new("bind", NS_BIND);
                if let Some(r) = resource {
                    bind = bind.child(Element::new("resource", NS_BIND).text(&xml_safe(r)));
                }
                if let Some(j) = jid {
                    bind = bind.child(Element::new("jid", NS_BIND).text(j));
                }
                el = el.child(bind);
            }
            IqPayload::DiscoInfo { features } => {
                let mut query = Element::new("query", NS_DISCO_INFO);
                for f in features {
                    query = query.child(Element::new("feature", NS_DISCO_INFO).attr("var", f));
                }
                el = el.child(query);
            }
            IqPayload::Roster { items } => {
                let mut query = Element::new("query", NS_ROSTER);
                for item in items {
                    let mut i = Element::new("item", NS_ROSTER).attr("jid", &item.jid);
                    i = put(i, "name", &item.name);
                    i = put(i, "subscription", &item.subscription);
                    query = query.child(i);
                }
                el = el.child(query);
            }
            IqPayload::Empty => {}
        }
        if let Some(error) = &self.error {
            el = el.child(error.to_element());
        }
        el
    }
}

impl TryFrom<&Element> for Iq {
    type Error = ParseError;
    fn try_from(el: &Element) -> Result<Iq, ParseError> {
        if !el.is("iq", NS_CLIENT) {
            return Err(ParseError::Unexpected { expected: "iq" });
        }
        let payload = if el.find("ping", NS_PING).is_some() {
            IqPayload::Ping
        } else if let Some(bind) = el.find("bind", NS_BIND) {
            IqPayload::Bind {
                resource: child_text(bind, "resource", NS_BIND),
                jid: child_text(bind, "jid", NS_BIND).map(|j| j.trim().to_owned()),
            }
        } else if let Some(query) = el.find("query", NS_DISCO_INFO) {
            IqPayload::DiscoInfo {
                features: query
                    .elements()
                    .filter(|f| f.is("feature", NS_DISCO_INFO))
                    .filter_map(|f| attr(f, "var"))
                    .collect(),
            }
        } else if let Some(query) = el.find("query", NS_ROSTER) {
            IqPayload::Roster {
                items: query
                    .elements()
                    .filter(|i| i.is("item", NS_ROSTER))
                    .filter_map(|i| {
                        Some(RosterItem {
                            jid: attr(i, "jid")?,
                            name: attr(i, "name"),
                            subscription: attr(i, "subscription"),
                        })
                    })
                    .collect(),
            }
        } else {
            IqPayload::Empty
        };
        Ok(Iq {
            from: attr(el, "from"),
            to: attr(el, "to"),
            id: attr(el, "id").unwrap_or_default(),
            kind: attr(el, "type").ok_or(ParseError::BadAttribute {
                element: "iq",
                attribute: "type",
            })?,
            payload,
            error: StanzaError::of(el),
        })
    }
}

/// The nonzas of XEP-0198 stream management.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sm {
    Enable {
        resume: bool,
    },
    /// `id` and `resume` say whether (and as what) the session may be resumed; `max` is the
    /// server's preferred resumption time in seconds.
    Enabled {
        id: Option<String>,
        resume: bool,
        max: Option<u32>,
    },
    Resume {
        h: u32,
        previd: String,
    },
    Resumed {
        h: u32,
        previd: String,
    },
    /// An ack request.
    R,
    /// An ack: `h` stanzas handled.
    A {
        h: u32,
    },
    /// Enable or resume refused; since XEP-0198 1.6 a refused resume may say how many of our
    /// stanzas the old session handled.
    Failed {
        h: Option<u32>,
        condition: Option<String>,
    },
}

impl Sm {
    pub fn to_element(&self) -> Element {
        match self {
            Sm::Enable { resume } => {
                let el = Element::new("enable", NS_SM);
                if *resume {
                    el.attr("resume", "true")
                } else {
                    el
                }
            }
            Sm::Enabled { id, resume, max } => {
                let mut el = put(Element::new("enabled", NS_SM), "id", id);
                if *resume {
                    el = el.attr("resume", "true");
                }
                put(el, "max", &max.map(|m| m.to_string()))
            }
            Sm::Resume { h, previd } => Element::new("resume", NS_SM)
                .attr("h", &h.to_string())
                .attr("previd", previd),
            Sm::Resumed { h, previd } => Element::new("resumed", NS_SM)
                .attr("h", &h.to_string())
                .attr("previd", previd),
            Sm::R => Element::new("r", NS_SM),
            Sm::A { h } => Element::new("a", NS_SM).attr("h", &h.to_string()),
            Sm::Failed { h, condition } => {
                let mut el = put(
                    Element::new("failed", NS_SM),
                    "h",
                    &h.map(|h| h.to_string()),
                );
                if let Some(c) = condition {
                    el = el.child(Element::new(c, NS_STANZAS));
                }
                el
            }
        }
    }
}

impl TryFrom<&Element> for Sm {
    type Error = ParseError;
    fn try_from(el: &Element) -> Result<Sm, ParseError> {
        if el.ns != NS_SM {
            return Err(ParseError::Unexpected {
                expected: "urn:xmpp:sm:3",
            });
        }
        let flag = |key| matches!(el.get_attr(key), Some("true" | "1"));
        let h = |element: &'static str| {
            el.get_attr("h")
                .and_then(|h| h.parse::<u32>().ok())
                .ok_or(ParseError::BadAttribute {
                    element,
                    attribute: "h",
                })
        };
        let previd = |element: &'static str| {
            attr(el, "previd").ok_or(ParseError::BadAttribute {
                element,
                attribute: "previd",
            })
        };
        Ok(match el.name.as_str() {
            "enable" => Sm::Enable {
                resume: flag("resume"),
            },
            "enabled" => Sm::Enabled {
                id: attr(el, "id"),
                resume: flag("resume"),
                max: el.get_attr("max").and_then(|m| m.parse().ok()),
            },
            "resume" => Sm::Resume {
                h: h("resume")?,
                previd: previd("resume")?,
            },
            "resumed" => Sm::Resumed {
                h: h("resumed")?,
                previd: previd("resumed")?,
            },
            "r" => Sm::R,
            "a" => Sm::A { h: h("a")? },
            "failed" => Sm::Failed {
                // An unreadable h in a failure only loses the extra information.
                h: el.get_attr("h").and_then(|h| h.parse().ok()),
                condition: el
                    .elements()
                    .find(|c| c.ns == NS_STANZAS)
                    .map(|c| c.name.clone()),
            },
            _ => {
                return Err(ParseError::Unexpected {
                    expected: "a stream management element",
                })
            }
        })
    }
}

/// XEP-0478 stream limits from the stream features: the largest stanza the server accepts
/// (`max-bytes`) and how long it tolerates silence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StreamLimits {
    pub max_bytes: Option<usize>,
    pub idle_seconds: Option<u32>,
}

impl StreamLimits {
    pub fn from_features(features: &Element) -> StreamLimits {
        let Some(limits) = features.find("limits", NS_STREAM_LIMITS) else {
            return StreamLimits::default();
        };
        let number =
            |name| child_text(limits, name, NS_STREAM_LIMITS).and_then(|t| t.trim().parse().ok());
        StreamLimits {
            max_bytes: number("max-bytes").map(|n: u64| n as usize),
            idle_seconds: number("idle-seconds").map(|n: u64| n.min(u32::MAX as u64) as u32),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xmpp::xml::StreamReader;

    /// Writes `el`, reads it back from a stream as the session would, and returns what came.
    fn wire(el: &Element) -> Element {
        let bytes = el.to_bytes(NS_CLIENT);
        let doc = [
            &b"<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"[..],
            &bytes[..],
        ]
        .concat();
        let mut r = StreamReader::new(&doc[..]);
        r.read_header().expect("header");
        r.read_element().expect("the element back")
    }

    #[test]
    fn message_round_trip() {
        let m = Message {
            from: Some("a@x/r".into()),
            to: Some("b@x".into()),
            id: Some("m-1".into()),
            kind: Some("chat".into()),
            subject: Some("тема".into()),
            body: Some("Привет, мир! <&> 😀".into()),
            thread: Some("t1".into()),
            delay_stamp: Some("2026-11-23T10:00:00Z".into()),
            error: None,
        };
        assert_eq!(Message::try_from(&wire(&m.to_element())), Ok(m));
        let bare = Message::try_from(&wire(&Element::new("message", NS_CLIENT))).unwrap();
        assert_eq!(bare.kind_or_normal(), "normal");
        assert!(Message::try_from(&Element::new("presence", NS_CLIENT)).is_err());
    }

    #[test]
    fn message_error_and_legacy_delay_are_read() {
        let el = Element::new("message", NS_CLIENT)
            .attr("type", "error")
            .attr("id", "m-2")
            .child(Element::new("x", NS_LEGACY_DELAY).attr("stamp", "20261123T10:00:00"))
            .child(
                Element::new("error", NS_CLIENT)
                    .attr("type", "cancel")
                    .child(Element::new("service-unavailable", NS_STANZAS))
                    .child(Element::new("text", NS_STANZAS).text("gone")),
            );
        let m = Message::try_from(&wire(&el)).unwrap();
        assert_eq!(m.delay_stamp.as_deref(), Some("20261123T10:00:00"));
        let e = m.error.unwrap();
        assert_eq!(
            (e.kind.as_str(), e.condition.as_str(), e.text.as_deref()),
            ("cancel", "service-unavailable", Some("gone"))
        );
    }

    #[test]
    fn invalid_characters_never_reach_the_wire() {
        let m = Message {
            body: Some("a\u{1}b".into()),
            ..Message::default()
        };
        let back = Message::try_from(&wire(&m.to_element())).unwrap();
        assert_eq!(back.body.as_deref(), Some("ab"));
    }

    #[test]
    fn presence_and_muc_join_round_trip() {
        let p = Presence {
            status: Some("на месте".into()),
            priority: Some(-5),
            ..Presence::default()
        };
        assert_eq!(Presence::try_from(&wire(&p.to_element())), Ok(p));
        let join = Presence::muc_join("room@conference.x/ник");
        let back = Presence::try_from(&wire(&join.to_element())).unwrap();
        assert_eq!(back, join);
        assert_eq!(back.muc.unwrap().max_stanzas, Some(0));
        let bad = Element::new("presence", NS_CLIENT)
            .child(Element::new("priority", NS_CLIENT).text("high"));
        assert!(Presence::try_from(&bad).is_err());
    }

    #[test]
    fn iq_round_trips() {
        let iqs = [
            Iq::ping("p1", Some("localhost")),
            Iq::bind("b1", "res"),
            Iq {
                from: None,
                to: None,
                id: "b1".into(),
                kind: "result".into(),
                payload: IqPayload::Bind {
                    resource: None,
                    jid: Some("a@x/res".into()),
                },
                error: None,
            },
            Iq {
                from: Some("x".into()),
                to: None,
                id: "d1".into(),
                kind: "result".into(),
                payload: IqPayload::DiscoInfo {
                    features: vec!["urn:xmpp:ping".into(), NS_SM.into()],
                },
                error: None,
            },
            Iq {
                from: None,
                to: None,
                id: "r1".into(),
                kind: "result".into(),
                payload: IqPayload::Roster {
                    items: vec![RosterItem {
                        jid: "b@x".into(),
                        name: Some("Боб".into()),
                        subscription: Some("both".into()),
                    }],
                },
                error: None,
            },
        ];
        for iq in iqs {
            assert_eq!(Iq::try_from(&wire(&iq.to_element())), Ok(iq));
        }
        assert!(Iq::try_from(&Element::new("iq", NS_CLIENT)).is_err());
    }

    #[test]
    fn iq_requests_are_answered() {
        let ping = Iq {
            from: Some("localhost".into()),
            ..Iq::ping("s1", None)
        };
        let answer = ping.answer();
        assert_eq!(
            (
                answer.kind.as_str(),
                answer.to.as_deref(),
                answer.id.as_str()
            ),
            ("result", Some("localhost"), "s1")
        );
        let disco = Iq {
            kind: "get".into(),
            payload: IqPayload::DiscoInfo { features: vec![] },
            ..ping
        };
        let refusal = Iq::try_from(&wire(&disco.answer().to_element())).unwrap();
        assert_eq!(refusal.kind, "error");
        assert_eq!(refusal.error.unwrap().condition, "service-unavailable");
    }

    #[test]
    fn stream_management_round_trips() {
        let all = [
            Sm::Enable { resume: true },
            Sm::Enabled {
                id: Some("abc".into()),
                resume: true,
                max: Some(300),
            },
            Sm::Resume {
                h: u32::MAX,
                previd: "abc".into(),
            },
            Sm::Resumed {
                h: 0,
                previd: "abc".into(),
            },
            Sm::R,
            Sm::A { h: 42 },
            Sm::Failed {
                h: Some(7),
                condition: Some("item-not-found".into()),
            },
        ];
        for sm in all {
            assert_eq!(Sm::try_from(&wire(&sm.to_element())), Ok(sm));
        }
        // A wrong h must not read as zero: that would ack nothing, or everything after a wrap.
        let bad = Element::new("a", NS_SM).attr("h", "-1");
        assert!(Sm::try_from(&bad).is_err());
        assert!(Sm::try_from(&Element::new("r", NS_CLIENT)).is_err());
    }

    #[test]
    fn stream_limits_from_features() {
        let features = Element::new("features", crate::xmpp::NS_STREAM).child(
            Element::new("limits", NS_STREAM_LIMITS)
                .child(Element::new("max-bytes", NS_STREAM_LIMITS).text("262144"))
                .child(Element::new("idle-seconds", NS_STREAM_LIMITS).text("600")),
        );
        assert_eq!(
            StreamLimits::from_features(&features),
            StreamLimits {
                max_bytes: Some(262144),
                idle_seconds: Some(600)
            }
        );
        assert_eq!(
            StreamLimits::from_features(&Element::new("features", crate::xmpp::NS_STREAM)),
            StreamLimits::default()
        );
    }
}
