//! Contacts (RFC 6121): the roster fetched at every new stream and kept up to date by the
//! server's pushes, each contact's presence per resource, and presence subscription requests
//! answered by the `subscriptions` policy. Nothing here touches the network: the worker hands
//! in stanzas and writes the answers returned.

use std::collections::{BTreeMap, HashMap};

use super::jid::Jid;
use super::outgoing::Incoming;
use super::stanza::{Iq, IqPayload, Presence, NS_ROSTER};
use super::xml::Element;
use super::{sasl, Error, OptionReason};

/// Contacts kept (roster items and presences of others alike): a roster larger than this is
/// cut, and [`Roster::truncated`] says so.
pub const MAX_CONTACTS: usize = 10_000;

/// Resources kept per contact.
pub const MAX_RESOURCES: usize = 32;

/// How presence subscription requests are answered (the `subscriptions` option).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Policy {
    /// Not answered: the server keeps the request and offers it again at the next login.
    #[default]
    Leave,
    /// Approved, and a subscription to the contact asked for in turn (so that its presence
    /// comes to us as well).
    Accept,
    /// Denied.
    Reject,
    /// Queued for the owner, who answers with [`answer`].
    Ask,
}

impl Policy {
    /// Reads the option's value.
    pub fn parse(text: &str) -> Result<Policy, Error> {
        match text {
            "accept" => Ok(Policy::Accept),
            "reject" => Ok(Policy::Reject),
            "ask" => Ok(Policy::Ask),
            _ => Err(Error::InvalidOption {
                name: "subscriptions",
                reason: OptionReason::SubscriptionPolicy,
            }),
        }
    }
}

/// The presence stanza that answers a subscription request of `jid`: `subscribed` when
/// `approve`, else `unsubscribed`.
pub fn answer(jid: &str, approve: bool, id: &str) -> Result<Element, Error> {
    let to = Jid::parse(jid).ok_or(Error::InvalidJid {
        which: crate::xmpp::JidRole::Recipient,
    })?;
    Ok(Presence {
        to: Some(to.bare()),
        id: Some(id.to_owned()),
        kind: Some(
            if approve {
                "subscribed"
            } else {
                "unsubscribed"
            }
            .into(),
        ),
        ..Presence::default()
    }
    .to_element())
}

/// One resource's presence as XmppRoster shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Available {
    pub resource: String,
    /// `chat`, `away`, `xa`, `dnd`, or `null` (plainly available).
    pub show: Option<String>,
    pub status: Option<String>,
}

/// One contact as XmppRoster returns it (docs/en/reference.md).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Contact {
    pub jid: String,
    pub name: Option<String>,
    /// `none`, `to`, `from`, `both`.
    pub subscription: String,
    /// The resources online now; empty when the contact is offline.
    pub presence: Vec<Available>,
}

type ShowStatus = (Option<String>, Option<String>);

#[derive(Clone, Debug, Default)]
struct Item {
    name: Option<String>,
    subscription: String,
    /// A subscription of ours to the contact is pending (`ask='subscribe'`).
    asked: bool,
}

/// What a presence from a contact brought.
#[derive(Debug, Default)]
pub struct Reaction {
    /// Stanzas to write (answers to a subscription request).
    pub replies: Vec<Element>,
    /// An item for the owner (a presence change, a subscription request to answer).
    pub notice: Option<Incoming>,
}

/// The roster and what we know of the contacts' presence.
#[derive(Default)]
pub struct Roster {
    items: BTreeMap<String, Item>,
    /// Per contact, per resource: show and status.
    presence: HashMap<String, BTreeMap<String, ShowStatus>>,
    /// The id of our roster request in flight.
    request: Option<String>,
    /// The roster has been received in this session.
    pub loaded: bool,
    /// More contacts than [`MAX_CONTACTS`] were offered; the rest were dropped.
    pub truncated: bool,
    /// The owner has been told of the truncation (once per session).
    truncation_told: bool,
}

impl Roster {
    /// A new stream (not resumed): the presences known are stale (the server sends them all
    /// again after our initial presence); returns the roster request to write first.
    pub fn new_stream(&mut self) -> Element {
        self.presence.clear();
        let id = format!("roster-{}", &sasl::random_nonce()[..12]);
        self.request = Some(id.clone());
        Iq {
            from: None,
            to: None,
            id,
            kind: "get".into(),
            payload: IqPayload::Roster { items: Vec::new() },
            error: None,
        }
        .to_element()
    }

    /// The contacts, sorted by JID.
    pub fn contacts(&self) -> Vec<Contact> {
        self.items
            .iter()
            .map(|(jid, item)| Contact {
                jid: jid.clone(),
                name: item.name.clone(),
                subscription: item.subscription.clone(),
                presence: self
                    .presence
                    .get(jid)
                    .map(|r| {
                        r.iter()
                            .map(|(resource, (show, status))| Available {
                                resource: resource.clone(),
                                show: show.clone(),
                                status: status.clone(),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect()
    }

    fn apply(&mut self, items: Vec<super::stanza::RosterItem>, replace: bool) {
        if replace {
            self.items.clear();
        }
        for i in items {
            let Some(jid) = Jid::parse(&i.jid).map(|j| j.bare()) else {
                continue;
            };
            let subscription = i.subscription.unwrap_or_else(|| "none".into());
            if subscription == "remove" {
                self.items.remove(&jid);
                continue;
            }
            if !self.items.contains_key(&jid) && self.items.len() >= MAX_CONTACTS {
                self.truncated = true;
                continue;
            }
            self.items.insert(
                jid,
                Item {
                    name: i.name.filter(|n| !n.is_empty()),
                    subscription,
                    asked: false,
                },
            );
        }
    }

    /// The item that tells the owner the roster was cut at [`MAX_CONTACTS`]: once per session,
    /// after the iq that first cut it (`kind` `roster`, `type` `truncated`; see
    /// [`Incoming::json`] for its `limit`).
    pub fn truncation_notice(&mut self) -> Option<Incoming> {
        if !self.truncated || self.truncation_told {
            return None;
        }
        self.truncation_told = true;
        Some(Incoming {
            notice: Some("roster"),
            kind: "truncated".into(),
            ..Incoming::default()
        })
    }

    /// Reads an iq: the answer to our request, or a roster push (answered with a result).
    /// `None` when it is no roster iq; `Some(replies)` otherwise.
    pub fn iq(&mut self, el: &Element, own_bare: &str) -> Option<Vec<Element>> {
        el.find("query", NS_ROSTER)
            .or_else(|| (el.get_attr("type") == Some("error")).then_some(el))?;
        let iq = Iq::try_from(el).ok()?;
        match iq.kind.as_str() {
            "result" | "error" if self.request.as_deref() == Some(iq.id.as_str()) => {
                self.request = None;
                if let IqPayload::Roster { items } = iq.payload {
                    self.apply(items, true);
                }
                self.loaded = true;
                Some(Vec::new())
            }
            "set" => {
                // RFC 6121 §2.1.6: a push from anyone but our own account is ignored (and
                // refused, as an iq set must be answered).
                let from_us = iq
                    .from
                    .as_deref()
                    .and_then(Jid::parse)
                    .is_none_or(|j| j.bare() == own_bare);
                if !from_us {
                    return None;
                }
                if let IqPayload::Roster { items } = iq.payload.clone() {
                    self.apply(items, false);
                }
                let result = Iq {
                    from: None,
                    to: iq.from.clone(),
                    id: iq.id.clone(),
                    kind: "result".into(),
                    payload: IqPayload::Empty,
                    error: None,
                };
                Some(vec![result.to_element()])
            }
            _ => None,
        }
    }

    /// Reads a presence that is not about a room: a contact's availability or a subscription
    /// request. `queue_presence` puts availability changes in the owner's queue too.
    pub fn presence(
        &mut self,
        el: &Element,
        own_bare: &str,
        policy: Policy,
        queue_presence: bool,
    ) -> Reaction {
        let mut reaction = Reaction::default();
        let Ok(p) = Presence::try_from(el) else {
            return reaction;
        };
        let Some(from) = p.from.as_deref().and_then(Jid::parse) else {
            return reaction;
        };
        let bare = from.bare();
        let notice = |kind: &str| Incoming {
            notice: Some("presence"),
            from: p.from.clone(),
            kind: kind.to_owned(),
            show: el.find("show", super::NS_CLIENT).map(Element::text_content),
            status: p.status.clone(),
            ..Incoming::default()
        };
        match p.kind.as_deref() {
            None | Some("unavailable") if bare == own_bare => {}
            None => {
                let resource = from.resource.clone().unwrap_or_default();
                let show = el.find("show", super::NS_CLIENT).map(Element::text_content);
                let known = self.presence.contains_key(&bare);
                if known || self.presence.len() < MAX_CONTACTS {
                    let resources = self.presence.entry(bare).or_default();
                    if resources.contains_key(&resource) || resources.len() < MAX_RESOURCES {
                        resources.insert(resource, (show, p.status.clone()));
                    }
                }
                reaction.notice = Some(notice("available"));
            }
            Some("unavailable") => {
                if let Some(resources) = self.presence.get_mut(&bare) {
                    match &from.resource {
                        Some(r) => {
                            resources.remove(r);
                        }
                        None => resources.clear(),
                    }
                    if resources.is_empty() {
                        self.presence.remove(&bare);
                    }
                }
                reaction.notice = Some(notice("unavailable"));
            }
            Some("subscribe") => {
                match policy {
                    Policy::Leave => {}
                    Policy::Accept | Policy::Reject => {
                        let approve = policy == Policy::Accept;
                        let id = format!("sub-{}", &sasl::random_nonce()[..12]);
                        if let Ok(answer) = answer(&bare, approve, &id) {
                            reaction.replies.push(answer);
                        }
                        // Mutual: we ask for the contact's presence in turn, once.
                        let item = self.items.get(&bare);
                        let ours = item.is_some_and(|i| {
                            i.asked || matches!(i.subscription.as_str(), "to" | "both")
                        });
                        if approve && !ours {
                            reaction.replies.push(
                                Presence {
                                    to: Some(bare.clone()),
                                    kind: Some("subscribe".into()),
                                    ..Presence::default()
                                }
                                .to_element(),
                            );
                            if let Some(i) = self.items.get_mut(&bare) {
                                i.asked = true;
                            }
                        }
                    }
                    Policy::Ask => {
                        reaction.notice = Some(Incoming {
                            notice: Some("subscription"),
                            from: Some(bare),
                            kind: "subscribe".into(),
                            status: p.status.clone(),
                            ..Incoming::default()
                        });
                    }
                }
                return reaction;
            }
            _ => return reaction,
        }
        if !queue_presence {
            if let Some(n) = reaction.notice.as_mut() {
                // For the event only (see the worker).
                n.event_only = true;
            }
        }
        reaction
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xmpp::NS_CLIENT;

    #[test]
    fn roster_result_push_and_presence() {
        let mut r = Roster::default();
        let request = r.new_stream();
        let id = request.get_attr("id").expect("id").to_owned();
        let result = Element::new("iq", NS_CLIENT)
            .attr("type", "result")
            .attr("id", &id)
            .child(
                Element::new("query", NS_ROSTER).child(
                    Element::new("item", NS_ROSTER)
                        .attr("jid", "bob@x")
                        .attr("name", "Боб")
                        .attr("subscription", "both"),
                ),
            );
        assert_eq!(r.iq(&result, "me@x"), Some(vec![]));
        assert!(r.loaded);
        let online = Element::new("presence", NS_CLIENT)
            .attr("from", "bob@x/phone")
            .child(Element::new("show", NS_CLIENT).text("away"));
        let reaction = r.presence(&online, "me@x", Policy::Leave, true);
        assert_eq!(reaction.notice.expect("notice").kind, "available");
        let c = r.contacts();
        assert_eq!(c[0].name.as_deref(), Some("Боб"));
        assert_eq!(c[0].presence[0].show.as_deref(), Some("away"));
        let offline = Element::new("presence", NS_CLIENT)
            .attr("from", "bob@x/phone")
            .attr("type", "unavailable");
        r.presence(&offline, "me@x", Policy::Leave, true);
        assert!(r.contacts()[0].presence.is_empty());
        let push = Element::new("iq", NS_CLIENT)
            .attr("type", "set")
            .attr("id", "p1")
            .child(
                Element::new("query", NS_ROSTER).child(
                    Element::new("item", NS_ROSTER)
                        .attr("jid", "bob@x")
                        .attr("subscription", "remove"),
                ),
            );
        let replies = r.iq(&push, "me@x").expect("a push");
        assert_eq!(replies[0].get_attr("type"), Some("result"));
        assert!(r.contacts().is_empty());
        // A push from a stranger is not a push.
        let forged = push.clone().attr("from", "eve@y");
        assert!(r.iq(&forged, "me@x").is_none());
    }

    #[test]
    fn subscription_policies() {
        let request = Element::new("presence", NS_CLIENT)
            .attr("from", "bob@x/r")
            .attr("type", "subscribe");
        let mut r = Roster::default();
        let accept = r.presence(&request, "me@x", Policy::Accept, false);
        let kinds: Vec<_> = accept
            .replies
            .iter()
            .filter_map(|e| e.get_attr("type"))
            .collect();
        assert_eq!(kinds, ["subscribed", "subscribe"]);
        let reject = r.presence(&request, "me@x", Policy::Reject, false);
        assert_eq!(reject.replies[0].get_attr("type"), Some("unsubscribed"));
        assert_eq!(reject.replies.len(), 1);
        let ask = r.presence(&request, "me@x", Policy::Ask, false);
        assert!(ask.replies.is_empty());
        let n = ask.notice.expect("queued");
        assert_eq!(
            (n.notice, n.from.as_deref()),
            (Some("subscription"), Some("bob@x"))
        );
        assert!(!n.event_only);
        let leave = r.presence(&request, "me@x", Policy::Leave, false);
        assert!(leave.replies.is_empty() && leave.notice.is_none());
    }
}
