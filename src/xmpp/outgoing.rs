//! Messages as the library's users give and take them: [`Outgoing`] (checked and turned into
//! a [`stanza::Message`]) for SendXmpp and XmppSend alike, and [`Incoming`] (read from one)
//! for XmppReceive and the XmppMessage event. Neither knows of sessions.

use super::stanza::{self, Message};
use super::xml::Element;
use super::{sasl, Error, Jid, OptionReason};

/// One message to send.
#[derive(Clone, Debug, Default)]
pub struct Outgoing {
    pub to: String,
    pub body: String,
    /// chat (default), normal, headline, groupchat.
    pub kind: Option<String>,
    pub subject: Option<String>,
    pub thread: Option<String>,
    /// Nickname in the room for groupchat.
    pub nick: Option<String>,
    /// The message id; a random one when not given.
    pub id: Option<String>,
    /// Extension elements appended to the message (the out-of-band URL of a file).
    pub extra: Vec<Element>,
}

/// An [`Outgoing`] checked and ready for the wire.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub element: Element,
    pub id: String,
    /// For groupchat: the occupant JID (`room/nick`) to join as first.
    pub occupant: Option<String>,
}

impl Outgoing {
    /// Checks the recipient and the options and builds the `<message/>`; `own_jid` gives the
    /// default nickname in a room.
    pub fn prepare(&self, own_jid: &str) -> Result<Prepared, Error> {
        let to = Jid::parse(&self.to).ok_or(Error::InvalidJid {
            which: crate::xmpp::JidRole::Recipient,
        })?;
        let kind = self.kind.as_deref().unwrap_or("chat");
        if !matches!(kind, "chat" | "normal" | "headline" | "groupchat") {
            return Err(Error::InvalidOption {
                name: "type",
                reason: OptionReason::MessageType,
            });
        }
        let id = match &self.id {
            Some(id) if !id.is_empty() && !id.chars().any(char::is_control) => id.clone(),
            Some(_) => {
                return Err(Error::InvalidOption {
                    name: "id",
                    reason: OptionReason::EmptyOrControl,
                })
            }
            None => sasl::stanza_id("m"),
        };
        let (to_text, occupant) = if kind == "groupchat" {
            let room = to.bare();
            let nick = self
                .nick
                .clone()
                .or_else(|| Jid::parse(own_jid).and_then(|j| j.local))
                .unwrap_or_else(|| "messenger".into());
            let occupant = format!("{room}/{nick}");
            if Jid::parse(&occupant).is_none() {
                return Err(Error::InvalidOption {
                    name: "nick",
                    reason: OptionReason::NotAResource,
                });
            }
            (room, Some(occupant))
        } else {
            (to.to_string(), None)
        };
        let message = Message {
            to: Some(to_text),
            kind: Some(kind.to_owned()),
            id: Some(id.clone()),
            subject: self.subject.clone(),
            body: Some(self.body.clone()),
            thread: self.thread.clone(),
            ..Message::default()
        };
        let mut element = message.to_element();
        element
            .children
            .extend(self.extra.iter().cloned().map(super::xml::Node::Element));
        Ok(Prepared {
            element,
            id,
            occupant,
        })
    }
}

/// An incoming message as XmppReceive and the XmppMessage event give it (docs/en/reference.md); the same
/// queue carries a few other items, marked with `kind` (see [`Incoming::notice`]), so that
/// server code reads everything in arrival order with one call.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Incoming {
    /// `None` for a message (whose items keep exactly their old fields); otherwise
    /// `presence` (a contact's availability), `subscription` (a request to answer), `room`
    /// (a room we could not rejoin or were removed from; see [`super::muc`]) or `roster`
    /// (type `truncated`: the server's roster has more than [`super::roster::MAX_CONTACTS`]
    /// items and the rest were left out of XmppRoster).
    #[serde(rename = "kind", skip_serializing_if = "Option::is_none")]
    pub notice: Option<&'static str>,
    pub from: Option<String>,
    pub to: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    pub body: Option<String>,
    pub subject: Option<String>,
    pub thread: Option<String>,
    pub id: Option<String>,
    /// XEP-0203 delay stamp: when a message waited offline, the time it was sent.
    pub stamp: Option<String>,
    /// Groupchat: the room's bare JID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    /// Groupchat: the sender's nick in the room (none for the room's own messages); for a
    /// `room` item, our nick.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nick: Option<String>,
    /// Groupchat: the echo of our own message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub own: Option<bool>,
    /// A file's address: the message's out-of-band URL (XEP-0066 `<x xmlns='jabber:x:oob'>`,
    /// as SendXmppFile and the usual clients send a file); absent when the message has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Presence: `away`, `chat`, `dnd`, `xa`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub show: Option<String>,
    /// Presence: the status text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// A `room` item's cause (rendered in the caller's language by [`Incoming::json`]).
    #[serde(skip)]
    pub room_error: Option<super::muc::RoomError>,
    /// For the event only, not for the queue (presence changes unless asked for).
    #[serde(skip)]
    pub event_only: bool,
}

impl Incoming {
    /// The item's JSON, a room failure's text in `lang`.
    pub fn json(&self, lang: crate::i18n::Lang) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let (Some(e), Some(map)) = (&self.room_error, value.as_object_mut()) {
            map.insert("condition".into(), e.refusal.condition().into());
            map.insert("error".into(), crate::i18n::render(e, lang).into());
        }
        if let (Some("roster"), Some(map)) = (self.notice, value.as_object_mut()) {
            map.insert("limit".into(), super::roster::MAX_CONTACTS.into());
        }
        value
    }

    /// A change of the session's state rather than news (the XmppState event): a room lost,
    /// the roster cut.
    pub fn is_state(&self) -> bool {
        matches!(self.notice, Some("room" | "roster"))
    }
}

impl Incoming {
    /// Reads an incoming `<message/>`; `None` for one without body or subject (chat states,
    /// receipts and the like carry nothing for 1C) and for anything that is no message.
    pub fn from_element(el: &Element) -> Option<Incoming> {
        let m = stanza::Message::try_from(el).ok()?;
        if m.body.is_none() && m.subject.is_none() {
            return None;
        }
        Some(Incoming {
            kind: m.kind_or_normal().to_owned(),
            from: m.from,
            to: m.to,
            body: m.body,
            subject: m.subject,
            thread: m.thread,
            id: m.id,
            stamp: m.delay_stamp,
            url: oob_url(el),
            ..Incoming::default()
        })
    }
}

/// The first out-of-band URL of a message (XEP-0066), trimmed; `None` when absent or empty.
fn oob_url(el: &Element) -> Option<String> {
    let ns = super::upload::NS_OOB;
    el.elements()
        .filter(|x| x.is("x", ns))
        .find_map(|x| x.find("url", ns))
        .map(|u| u.text_content().trim().to_owned())
        .filter(|u| !u.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xmpp::stanza::NS_DELAY;
    use crate::xmpp::NS_CLIENT;

    #[test]
    fn incoming_reads_delay_and_skips_empty() {
        let el = Element::new("message", NS_CLIENT)
            .attr("from", "a@x/r")
            .attr("id", "1")
            .child(Element::new("body", NS_CLIENT).text("Привет <&>"))
            .child(Element::new("delay", NS_DELAY).attr("stamp", "2026-11-23T10:00:00Z"));
        let m = Incoming::from_element(&el).expect("a message with a body");
        assert_eq!(m.body.as_deref(), Some("Привет <&>"));
        assert_eq!(m.kind, "normal");
        assert_eq!(m.stamp.as_deref(), Some("2026-11-23T10:00:00Z"));
        assert_eq!(m.url, None);
        assert!(serde_json::to_value(&m).unwrap().get("url").is_none());
        let file = el.clone().child(
            Element::new("x", crate::xmpp::upload::NS_OOB)
                .child(Element::new("url", crate::xmpp::upload::NS_OOB).text(" https://h/f.pdf ")),
        );
        let m = Incoming::from_element(&file).expect("a message with a body");
        assert_eq!(m.url.as_deref(), Some("https://h/f.pdf"));
        assert_eq!(serde_json::to_value(&m).unwrap()["url"], "https://h/f.pdf");
        let state = Element::new("message", NS_CLIENT).child(Element::new(
            "active",
            "http://jabber.org/protocol/chatstates",
        ));
        assert!(Incoming::from_element(&state).is_none());
    }

    #[test]
    fn outgoing_is_checked_before_queueing() {
        let ok = Outgoing {
            to: "bob@example.org".into(),
            body: "x".into(),
            ..Outgoing::default()
        };
        let p = ok.prepare("alice@example.org/r").expect("valid");
        assert!(p.id.starts_with("m-"));
        assert!(p.occupant.is_none());
        assert_eq!(p.element.get_attr("type"), Some("chat"));
        let bad = Outgoing {
            to: "not a jid@".into(),
            ..ok.clone()
        };
        assert!(matches!(bad.prepare(""), Err(Error::InvalidJid { .. })));
        let room = Outgoing {
            to: "room@conference.example.org".into(),
            kind: Some("groupchat".into()),
            ..ok
        };
        let p = room.prepare("alice@example.org/r").expect("valid");
        assert_eq!(
            p.occupant.as_deref(),
            Some("room@conference.example.org/alice")
        );
    }
}
