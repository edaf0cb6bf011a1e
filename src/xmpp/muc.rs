//! Rooms (XEP-0045) a session lives in: the `rooms` option, the joins on every new stream,
//! their outcome (our own presence back with status 110, or an error the user can act on), and
//! groupchat messages marked with the room, the sender's nick and whether the echo is ours.
//!
//! The worker owns one [`Rooms`]; it asks it for the join presences of a new stream and hands
//! it every presence and groupchat message that comes in. Nothing here touches the network.

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use super::jid::Jid;
use super::outgoing::Incoming;
use super::stanza::{MucJoin, Presence, StanzaError};
use super::xml::Element;
use super::NS_CLIENT;
use crate::i18n::{clip, Lang, Localized};

pub const NS_MUC_USER: &str = "http://jabber.org/protocol/muc#user";

/// Rooms one session may be configured with.
pub const MAX_ROOMS: usize = 100;

/// Most history asked for on a join (stanzas).
pub const MAX_HISTORY: u32 = 1000;

/// Live groupchat messages remembered per session to drop their copies from the history a
/// rejoin replays.
const RECENT: usize = 512;

/// One entry of the `rooms` option, as the caller writes it.
#[derive(Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoomOption {
    /// `room@service`, or `room@service/nick`.
    pub room: String,
    /// Nickname in the room (default: the nick in `room`, else the JID's localpart).
    pub nick: Option<String>,
    pub password: Option<String>,
    /// How many old messages to fetch on the first join (default 0).
    pub history: Option<u32>,
}

impl std::fmt::Debug for RoomOption {
    // The password stays out of any debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoomOption")
            .field("room", &self.room)
            .field("nick", &self.nick)
            .field("password", &self.password.as_ref().map(|_| "…"))
            .field("history", &self.history)
            .finish()
    }
}

/// A room checked and ready to join.
#[derive(Clone, PartialEq, Eq)]
pub struct RoomConfig {
    /// The room's bare JID.
    pub room: String,
    pub nick: String,
    pub password: Option<String>,
    pub history: u32,
}

impl std::fmt::Debug for RoomConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.room, self.nick)
    }
}

/// What is wrong with an entry of the `rooms` option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OptionProblem {
    /// `room` is not `room@service`.
    Room,
    /// The nick is empty or cannot be a resource.
    Nick,
    /// The same room twice.
    Duplicate,
    /// More than [`MAX_ROOMS`] rooms.
    TooMany,
    /// `history` above [`MAX_HISTORY`].
    History,
}

/// An entry of the `rooms` option refused before connecting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionError {
    /// The entry's position (from 0).
    pub index: usize,
    /// The room as written, cut.
    pub room: String,
    pub problem: OptionProblem,
}

impl Localized for OptionError {
    fn code(&self) -> &'static str {
        "XMPP_ROOM_OPTION"
    }

    fn message(&self, lang: Lang) -> String {
        let OptionError {
            index,
            room,
            problem,
        } = self;
        match (problem, lang) {
            (OptionProblem::Room, Lang::En) => {
                format!("rooms[{index}]: \"{room}\" is not a room JID (expected room@service)")
            }
            (OptionProblem::Room, Lang::Ru) => format!(
                "rooms[{index}]: \"{room}\" не является JID комнаты (ожидается комната@сервис)"
            ),
            (OptionProblem::Nick, Lang::En) => {
                format!("rooms[{index}] ({room}): the nick is empty or contains control characters")
            }
            (OptionProblem::Nick, Lang::Ru) => {
                format!("rooms[{index}] ({room}): ник пуст или содержит управляющие символы")
            }
            (OptionProblem::Duplicate, Lang::En) => {
                format!("rooms[{index}]: the room {room} is given twice")
            }
            (OptionProblem::Duplicate, Lang::Ru) => {
                format!("rooms[{index}]: комната {room} указана дважды")
            }
            (OptionProblem::TooMany, Lang::En) => format!("more than {MAX_ROOMS} rooms"),
            (OptionProblem::TooMany, Lang::Ru) => format!("комнат больше {MAX_ROOMS}"),
            (OptionProblem::History, Lang::En) => {
                format!("rooms[{index}] ({room}): history is at most {MAX_HISTORY} messages")
            }
            (OptionProblem::History, Lang::Ru) => {
                format!("rooms[{index}] ({room}): history — не больше {MAX_HISTORY} сообщений")
            }
        }
    }
}

/// Why we are not (or no longer) in a room.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// 409 conflict: another occupant has the nick.
    NickConflict,
    /// 407 registration-required: the room is members-only and we are not a member.
    MembersOnly,
    /// 403 forbidden: we are banned.
    Banned,
    /// 401 not-authorized: the password is missing or wrong.
    Password,
    /// 503 service-unavailable: the room is full (or the service does not exist); ejabberd
    /// says 500 resource-constraint when the room's `max_users` is reached. `constraint`: it
    /// said the latter (the item's `condition` repeats what the server said).
    Full { constraint: bool },
    /// Any other error condition the room sent.
    Other { condition: String },
    /// No answer to the join within the Timeout.
    NoAnswer,
    /// We were in the room and were removed (kicked 307, banned 301, membership lost 321/322,
    /// room destroyed: `code` as the room sent it).
    Removed { code: Option<u16> },
}

impl Refusal {
    fn of(error: &StanzaError) -> Refusal {
        match error.condition.as_str() {
            "conflict" => Refusal::NickConflict,
            "registration-required" => Refusal::MembersOnly,
            "forbidden" => Refusal::Banned,
            "not-authorized" => Refusal::Password,
            "service-unavailable" => Refusal::Full { constraint: false },
            "resource-constraint" => Refusal::Full { constraint: true },
            other => Refusal::Other {
                condition: clip(other),
            },
        }
    }

    /// The condition's short name (for the queued item and the event).
    pub fn condition(&self) -> &str {
        match self {
            Refusal::NickConflict => "conflict",
            Refusal::MembersOnly => "registration-required",
            Refusal::Banned => "forbidden",
            Refusal::Password => "not-authorized",
            Refusal::Full { constraint: false } => "service-unavailable",
            Refusal::Full { constraint: true } => "resource-constraint",
            Refusal::Other { condition } => condition,
            Refusal::NoAnswer => "no-answer",
            Refusal::Removed { .. } => "removed",
        }
    }
}

/// A room we could not join or were removed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomError {
    pub room: String,
    pub nick: String,
    pub refusal: Refusal,
    /// The room's own words (the error's `<text>`), as sent; empty when it said none. Shown
    /// quoted and cut, as the server's.
    pub said: String,
}

impl Localized for RoomError {
    fn code(&self) -> &'static str {
        match self.refusal {
            Refusal::NickConflict => "XMPP_ROOM_NICK_CONFLICT",
            Refusal::MembersOnly => "XMPP_ROOM_MEMBERS_ONLY",
            Refusal::Banned => "XMPP_ROOM_BANNED",
            Refusal::Password => "XMPP_ROOM_PASSWORD",
            Refusal::Full { .. } => "XMPP_ROOM_FULL",
            Refusal::Other { .. } => "XMPP_ROOM_REFUSED",
            Refusal::NoAnswer => "XMPP_ROOM_NO_ANSWER",
            Refusal::Removed { .. } => "XMPP_ROOM_REMOVED",
        }
    }

    fn message(&self, lang: Lang) -> String {
        // The room's address is data: quoted, so that a Russian text reads as ours around it.
        let room = format!("\"{}\"", clip(&self.room));
        let nick = clip(&self.nick);
        let said = super::conditions::server_said(&self.said, lang);
        let text = match (&self.refusal, lang) {
            (Refusal::NickConflict, Lang::En) => format!("room {room}: the nick \"{nick}\" is taken by another occupant; give another nick"),
            (Refusal::NickConflict, Lang::Ru) => format!("комната {room}: ник \"{nick}\" занят другим участником; укажите другой ник"),
            (Refusal::MembersOnly, Lang::En) => format!("room {room} is members-only and this account is not a member; ask the room's owner to add it"),
            (Refusal::MembersOnly, Lang::Ru) => format!("комната {room} только для участников, а эта учётная запись не участник; попросите владельца комнаты добавить её"),
            (Refusal::Banned, Lang::En) => format!("room {room}: this account is banned from the room"),
            (Refusal::Banned, Lang::Ru) => format!("комната {room}: эта учётная запись заблокирована в комнате"),
            (Refusal::Password, Lang::En) => format!("room {room} needs a password, or the password given is wrong (option \"password\" of the room)"),
            (Refusal::Password, Lang::Ru) => format!("комната {room} требует пароль, или указан неверный (параметр \"password\" комнаты)"),
            (Refusal::Full { .. }, Lang::En) => format!("room {room} is full or the room service is unavailable"),
            (Refusal::Full { .. }, Lang::Ru) => format!("комната {room} заполнена, или сервис комнат недоступен"),
            (Refusal::Other { condition }, Lang::En) => format!("room {room} refused the join: {}", super::StanzaCondition::of(condition).text(lang)),
            (Refusal::Other { condition }, Lang::Ru) => format!("комната {room} отказала во входе: {}", super::StanzaCondition::of(condition).text(lang)),
            (Refusal::NoAnswer, Lang::En) => format!("room {room} did not answer the join within the timeout"),
            (Refusal::NoAnswer, Lang::Ru) => format!("комната {room} не ответила на вход за время ожидания"),
            (Refusal::Removed { code }, Lang::En) => format!("removed from room {room}{}", removal_en(*code)),
            (Refusal::Removed { code }, Lang::Ru) => format!("удалён из комнаты {room}{}", removal_ru(*code)),
        };
        text + &said
    }
}

impl std::fmt::Display for OptionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for OptionError {}

impl std::fmt::Display for RoomError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for RoomError {}

fn removal_en(code: Option<u16>) -> &'static str {
    match code {
        Some(301) => " (banned)",
        Some(307) => " (kicked)",
        Some(321) | Some(322) => " (membership lost)",
        Some(332) => " (the service shut down)",
        _ => "",
    }
}

fn removal_ru(code: Option<u16>) -> &'static str {
    match code {
        Some(301) => " (заблокирован)",
        Some(307) => " (исключён)",
        Some(321) | Some(322) => " (членство отозвано)",
        Some(332) => " (сервис остановлен)",
        _ => "",
    }
}

/// Checks the `rooms` option; `own_jid` gives the default nick.
pub fn configs(options: &[RoomOption], own_jid: &str) -> Result<Vec<RoomConfig>, OptionError> {
    let mut out: Vec<RoomConfig> = Vec::new();
    for (index, o) in options.iter().enumerate() {
        let refuse = |problem| OptionError {
            index,
            room: clip(&o.room),
            problem,
        };
        if index >= MAX_ROOMS {
            return Err(refuse(OptionProblem::TooMany));
        }
        let jid = Jid::parse(&o.room)
            .filter(|j| j.local.is_some())
            .ok_or_else(|| refuse(OptionProblem::Room))?;
        let nick = o
            .nick
            .clone()
            .or(jid.resource.clone())
            .or_else(|| Jid::parse(own_jid).and_then(|j| j.local))
            .unwrap_or_else(|| "messenger".into());
        let room = jid.bare();
        if nick.trim().is_empty() || Jid::parse(&format!("{room}/{nick}")).is_none() {
            return Err(refuse(OptionProblem::Nick));
        }
        let history = o.history.unwrap_or(0);
        if history > MAX_HISTORY {
            return Err(refuse(OptionProblem::History));
        }
        if out
            .iter()
            .any(|c| c.room.to_lowercase() == room.to_lowercase())
        {
            return Err(refuse(OptionProblem::Duplicate));
        }
        out.push(RoomConfig {
            room,
            nick,
            password: o.password.clone().filter(|p| !p.is_empty()),
            history,
        });
    }
    Ok(out)
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum JoinState {
    Pending,
    Joined,
    Failed,
}

/// What a presence meant for our rooms.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Not from a room we know: for the contacts.
    NotOurs,
    /// From one of our rooms; nothing to report.
    Quiet,
    /// A configured room answered our join with our own presence.
    Joined,
    /// A configured room refused us or removed us.
    Failed(RoomError),
}

/// The rooms of one session.
pub struct Rooms {
    configured: Vec<(RoomConfig, Option<JoinState>)>,
    /// Our nick in every room we joined (configured or by a groupchat send).
    nicks: HashMap<String, String>,
    /// When the last connection was lost (a rejoin asks for the history since).
    lost_at: Option<Instant>,
    /// Whether a join has been sent before (the first join asks for `history` messages).
    joined_once: bool,
    /// Recent live groupchat messages (room, nick, body) to drop their replays.
    recent: VecDeque<(String, String, String)>,
}

impl Rooms {
    pub fn new(configured: Vec<RoomConfig>) -> Rooms {
        let nicks = configured
            .iter()
            .map(|c| (c.room.clone(), c.nick.clone()))
            .collect();
        Rooms {
            configured: configured.into_iter().map(|c| (c, None)).collect(),
            nicks,
            lost_at: None,
            joined_once: false,
            recent: VecDeque::new(),
        }
    }

    /// The configured rooms and our nick in each.
    pub fn configured(&self) -> impl Iterator<Item = &RoomConfig> {
        self.configured.iter().map(|(c, _)| c)
    }

    /// Notes our nick in a room joined by a groupchat send.
    pub fn note(&mut self, occupant: &str) {
        if let Some((room, nick)) = occupant.split_once('/') {
            self.nicks
                .entry(room.to_owned())
                .or_insert_with(|| nick.to_owned());
        }
    }

    /// The connection is gone (a rejoin then asks for what was said since).
    pub fn lost(&mut self) {
        if self.lost_at.is_none() {
            self.lost_at = Some(Instant::now());
        }
    }

    /// The join presences of a new stream (not resumed), one per configured room: the first
    /// asks for `history` messages, a rejoin for those of the time we were away (a few seconds
    /// more, their copies dropped by [`Rooms::groupchat`]).
    pub fn joins(&mut self) -> Vec<(String, Element)> {
        let since = match (self.joined_once, self.lost_at.take()) {
            (true, Some(at)) => Some(at.elapsed().as_secs().min(u32::MAX as u64) as u32 + 10),
            (true, None) => Some(10),
            (false, _) => None,
        };
        self.joined_once = true;
        self.configured
            .iter_mut()
            .map(|(c, state)| {
                *state = Some(JoinState::Pending);
                let presence = Presence {
                    to: Some(format!("{}/{}", c.room, c.nick)),
                    muc: Some(MucJoin {
                        max_stanzas: match since {
                            Some(_) if c.history == 0 => None,
                            _ => Some(c.history),
                        },
                        seconds: since,
                        password: c.password.clone(),
                    }),
                    ..Presence::default()
                };
                (c.room.clone(), presence.to_element())
            })
            .collect()
    }

    /// Whether a configured room has not answered its join yet.
    pub fn pending(&self) -> bool {
        self.configured
            .iter()
            .any(|(_, s)| *s == Some(JoinState::Pending))
    }

    /// The configured rooms still waiting for an answer, as failed for want of one.
    pub fn unanswered(&self) -> Option<RoomError> {
        self.configured
            .iter()
            .find(|(_, s)| *s == Some(JoinState::Pending))
            .map(|(c, _)| RoomError {
                room: c.room.clone(),
                nick: c.nick.clone(),
                refusal: Refusal::NoAnswer,
                said: String::new(),
            })
    }

    /// Reads a presence: our joins' outcome, a removal, or something for the contacts.
    pub fn presence(&mut self, el: &Element) -> Outcome {
        let Some(from) = el.get_attr("from").and_then(Jid::parse) else {
            return Outcome::NotOurs;
        };
        let room = from.bare();
        let x = el.find("x", NS_MUC_USER);
        let index = self.configured.iter().position(|(c, _)| c.room == room);
        let known = index.is_some() || self.nicks.contains_key(&room);
        if !known && x.is_none() {
            return Outcome::NotOurs;
        }
        let Some(index) = index else {
            return Outcome::Quiet;
        };
        let (config, state) = &mut self.configured[index];
        let codes: Vec<u16> = x
            .map(|x| {
                x.elements()
                    .filter(|s| s.is("status", NS_MUC_USER))
                    .filter_map(|s| s.get_attr("code")?.parse().ok())
                    .collect()
            })
            .unwrap_or_default();
        let kind = el.get_attr("type").unwrap_or("");
        let nick = from.resource.clone().unwrap_or_default();
        let is_self = codes.contains(&110) || nick == config.nick;
        if kind == "error" {
            if *state != Some(JoinState::Pending) {
                return Outcome::Quiet;
            }
            *state = Some(JoinState::Failed);
            let error = StanzaError::of(el).unwrap_or_default();
            return Outcome::Failed(RoomError {
                room,
                nick: config.nick.clone(),
                refusal: Refusal::of(&error),
                said: error.text.clone().unwrap_or_default(),
            });
        }
        if !is_self {
            return Outcome::Quiet;
        }
        if kind == "unavailable" {
            // Our own unavailable while joined: we were removed (a nick change, 303, is not).
            if *state != Some(JoinState::Joined) || codes.contains(&303) {
                return Outcome::Quiet;
            }
            *state = Some(JoinState::Failed);
            let code = codes.iter().copied().find(|c| *c != 110);
            // A destroyed room says so with <destroy/> instead of a code.
            return Outcome::Failed(RoomError {
                room,
                nick: config.nick.clone(),
                refusal: Refusal::Removed { code },
                said: String::new(),
            });
        }
        if kind.is_empty() {
            if codes.contains(&110) && !nick.is_empty() {
                // The service may change our nick (210): follow it.
                config.nick = nick.clone();
                self.nicks.insert(room.clone(), nick);
            }
            if *state == Some(JoinState::Pending) {
                *state = Some(JoinState::Joined);
                return Outcome::Joined;
            }
        }
        Outcome::Quiet
    }

    /// Marks a groupchat message with its room, the sender's nick and whether it is our own
    /// echo; `None` for the replay of a message already delivered live.
    pub fn groupchat(&mut self, mut message: Incoming) -> Option<Incoming> {
        let from = message.from.as_deref().and_then(Jid::parse)?;
        let room = from.bare();
        let nick = from.resource.clone();
        let own = nick.is_some() && self.nicks.get(&room) == nick.as_ref();
        let key = (
            room.clone(),
            nick.clone().unwrap_or_default(),
            message.body.clone().unwrap_or_default(),
        );
        if message.stamp.is_some() {
            if self.recent.contains(&key) {
                return None;
            }
        } else {
            if self.recent.len() >= RECENT {
                self.recent.pop_front();
            }
            self.recent.push_back(key);
        }
        message.room = Some(room);
        message.nick = nick;
        message.own = Some(own);
        Some(message)
    }
}

/// Whether `el` is a groupchat message.
pub fn is_groupchat(el: &Element) -> bool {
    el.is("message", NS_CLIENT) && el.get_attr("type") == Some("groupchat")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xmpp::{NS_MUC, NS_STANZAS};

    fn option(room: &str) -> RoomOption {
        RoomOption {
            room: room.into(),
            ..RoomOption::default()
        }
    }

    #[test]
    fn a_full_room_keeps_the_condition_the_server_said() {
        for (condition, code) in [
            ("service-unavailable", "XMPP_ROOM_FULL"),
            ("resource-constraint", "XMPP_ROOM_FULL"),
            ("conflict", "XMPP_ROOM_NICK_CONFLICT"),
        ] {
            let refusal = Refusal::of(&StanzaError::new("wait", condition));
            assert_eq!(refusal.condition(), condition);
            let error = RoomError {
                room: "r@conference.x".into(),
                nick: "n".into(),
                refusal,
                said: String::new(),
            };
            assert_eq!(error.code(), code);
        }
        let other = RoomError {
            room: "r@conference.x".into(),
            nick: "n".into(),
            refusal: Refusal::of(&StanzaError::new("cancel", "not-allowed")),
            said: String::new(),
        };
        assert_eq!(other.code(), "XMPP_ROOM_REFUSED");
        let ru = other.message(Lang::Ru);
        assert!(
            ru.contains("\"not-allowed\": здесь это не разрешено"),
            "{ru}"
        );
        let said = ru.split_once("входе:").map_or("", |(_, said)| said);
        assert!(crate::i18n::latin_words(said).is_empty(), "{ru}");
        // The room's own words follow, quoted and cut as the server's; the whole Russian text
        // has no English outside the quotes.
        let worded = RoomError {
            said: "Room creation is denied by service policy".into(),
            ..other
        };
        let ru = worded.message(Lang::Ru);
        assert!(
            ru.ends_with("; сервер пояснил: «Room creation is denied by service policy»"),
            "{ru}"
        );
        assert!(crate::i18n::latin_words(&ru).is_empty(), "{ru}");
        assert!(worded
            .message(Lang::En)
            .starts_with("room \"r@conference.x\" refused"));
    }

    #[test]
    fn options_are_checked() {
        let c = configs(&[option("r@conference.x/бот")], "me@x").expect("valid");
        assert_eq!(c[0].room, "r@conference.x");
        assert_eq!(c[0].nick, "бот");
        let c = configs(&[option("r@conference.x")], "me@x").expect("valid");
        assert_eq!(c[0].nick, "me");
        let e = configs(&[option("conference.x")], "me@x").unwrap_err();
        assert_eq!(e.problem, OptionProblem::Room);
        let e = configs(&[option("r@c.x"), option("R@C.x/y")], "me@x").unwrap_err();
        assert_eq!((e.index, e.problem), (1, OptionProblem::Duplicate));
        let mut big = option("r@c.x");
        big.history = Some(MAX_HISTORY + 1);
        assert_eq!(
            configs(&[big], "me@x").unwrap_err().problem,
            OptionProblem::History
        );
    }

    fn rooms() -> Rooms {
        Rooms::new(configs(&[option("r@c.x/bot")], "me@x").expect("valid"))
    }

    #[test]
    fn join_outcomes() {
        let mut r = rooms();
        let joins = r.joins();
        let x = joins[0].1.find("x", NS_MUC).expect("muc x");
        assert_eq!(
            x.find("history", NS_MUC)
                .and_then(|h| h.get_attr("maxstanzas")),
            Some("0")
        );
        assert!(r.pending());
        let other = Element::new("presence", NS_CLIENT).attr("from", "r@c.x/alice");
        assert_eq!(r.presence(&other), Outcome::Quiet);
        assert!(r.pending());
        let own = Element::new("presence", NS_CLIENT)
            .attr("from", "r@c.x/bot")
            .child(
                Element::new("x", NS_MUC_USER)
                    .child(Element::new("status", NS_MUC_USER).attr("code", "110")),
            );
        assert_eq!(r.presence(&own), Outcome::Joined);
        assert!(!r.pending());
        let contact = Element::new("presence", NS_CLIENT).attr("from", "bob@x/phone");
        assert_eq!(r.presence(&contact), Outcome::NotOurs);
        // A rejoin asks for the time away, not for the configured history.
        r.lost();
        let joins = r.joins();
        let h = joins[0]
            .1
            .find("x", NS_MUC)
            .and_then(|x| x.find("history", NS_MUC));
        assert!(h.and_then(|h| h.get_attr("seconds")).is_some());
        let conflict = Element::new("presence", NS_CLIENT)
            .attr("from", "r@c.x/bot")
            .attr("type", "error")
            .child(
                Element::new("error", NS_CLIENT)
                    .attr("type", "cancel")
                    .child(Element::new("conflict", NS_STANZAS)),
            );
        match r.presence(&conflict) {
            Outcome::Failed(e) => assert_eq!(e.code(), "XMPP_ROOM_NICK_CONFLICT"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn groupchat_is_marked_and_replays_dropped() {
        let mut r = rooms();
        let m = |nick: &str, stamp: Option<&str>| Incoming {
            from: Some(format!("r@c.x/{nick}")),
            kind: "groupchat".into(),
            body: Some("hi".into()),
            stamp: stamp.map(str::to_owned),
            ..Incoming::default()
        };
        let live = r.groupchat(m("bot", None)).expect("live");
        assert_eq!(live.own, Some(true));
        assert_eq!(live.room.as_deref(), Some("r@c.x"));
        assert!(r
            .groupchat(m("bot", Some("2026-01-01T00:00:00Z")))
            .is_none());
        let theirs = r
            .groupchat(m("alice", Some("2026-01-01T00:00:00Z")))
            .expect("history");
        assert_eq!(theirs.own, Some(false));
        assert_eq!(theirs.nick.as_deref(), Some("alice"));
    }
}
