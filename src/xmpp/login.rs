//! From nothing to an authenticated stream: transport, TLS, SASL, stream restart; then resource
//! binding, which [`Login::send_confirmed`] batches with the message so that one round trip
//! (one BOSH request) does bind + message + confirmation.

use std::time::Instant;

use base64::Engine;

use super::sasl::{self, SaslError};
use super::stanza::{Iq, StanzaError};
use super::transport::bosh::BoshTransport;
use super::transport::tcp::{TcpTransport, TlsMode};
use super::transport::Transport;
use super::xml::Element;
use super::{
    Error, Jid, OptionReason, ProtocolReason, SendOptions, NS_BIND, NS_CLIENT, NS_SASL, NS_SESSION,
};
use crate::net::tls::{self, Verification};
use crate::net::NetSettings;

/// Everything a login needs except the password (kept apart so it is never stored or shown).
#[derive(Clone, Debug)]
pub struct LoginOptions {
    pub jid: Jid,
    /// BOSH endpoint; `None` for TCP.
    pub bosh_url: Option<String>,
    /// Host and port for TCP.
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    /// Mechanisms in order of preference.
    pub mechanisms: Vec<String>,
    pub resource: String,
    pub allow_plain_without_tls: bool,
    pub verification: Verification,
    /// Set by the persistent session so that its owner can cut a login in progress.
    pub interrupt: Option<std::sync::Arc<super::transport::tcp::Interrupt>>,
}

impl LoginOptions {
    /// Checks SendXmpp's options; no network yet.
    pub fn from_send_options(
        settings: &NetSettings,
        jid: &str,
        options: &SendOptions,
    ) -> Result<LoginOptions, Error> {
        let jid = Jid::parse(jid)
            .filter(|j| j.local.is_some())
            .ok_or(Error::InvalidJid {
                which: crate::xmpp::JidRole::Account,
            })?;
        let tls = match options.tls.as_deref().unwrap_or("starttls") {
            "starttls" => TlsMode::StartTls,
            "direct" => TlsMode::Direct,
            "none" => TlsMode::None,
            _ => {
                return Err(Error::InvalidOption {
                    name: "tls",
                    reason: OptionReason::TlsMode,
                })
            }
        };
        let mechanisms = match &options.mechanisms {
            Some(list) => {
                for m in list {
                    if !sasl::SUPPORTED.iter().any(|s| s.eq_ignore_ascii_case(m)) {
                        return Err(Error::InvalidOption {
                            name: "mechanisms",
                            reason: OptionReason::UnknownMechanism(crate::i18n::clip(m)),
                        });
                    }
                }
                if list.is_empty() {
                    return Err(Error::InvalidOption {
                        name: "mechanisms",
                        reason: OptionReason::EmptyList,
                    });
                }
                list.clone()
            }
            None => sasl::SUPPORTED.iter().map(|s| s.to_string()).collect(),
        };
        let default_port = if tls == TlsMode::Direct { 5223 } else { 5222 };
        let (host, port) = match options.server.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(server) => parse_server(server.trim(), default_port)?,
            None => (jid.domain.clone(), default_port),
        };
        if let Some(url) = &options.bosh_url {
            let lower = url.to_ascii_lowercase();
            if !(lower.starts_with("http://") || lower.starts_with("https://"))
                || url::Url::parse(url).is_err()
            {
                return Err(Error::InvalidOption {
                    name: "bosh_url",
                    reason: OptionReason::HttpUrl,
                });
            }
        } else if settings
            .proxy
            .as_ref()
            .is_some_and(|p| p.scheme == crate::net::ProxyScheme::Https)
        {
            // TCP goes through http:// (CONNECT) and socks5 proxies; TLS to the proxy itself
            // would put TLS inside TLS, which only BOSH's HTTP client does.
            return Err(Error::ProxyNeedsBosh);
        }
        let resource = match options.resource.as_deref() {
            Some(r) if !r.is_empty() && !r.chars().any(char::is_control) => r.to_owned(),
            Some(_) => {
                return Err(Error::InvalidOption {
                    name: "resource",
                    reason: OptionReason::EmptyOrControl,
                })
            }
            None => format!("messenger-{}", &sasl::random_nonce()[..12]),
        };
        Ok(LoginOptions {
            jid,
            bosh_url: options.bosh_url.clone(),
            host,
            port,
            tls,
            mechanisms,
            resource,
            allow_plain_without_tls: options.allow_plain_without_tls.unwrap_or(false),
            verification: if options.danger_accept_invalid_certificates.unwrap_or(false) {
                Verification::DangerAcceptAnyCertificate
            } else {
                Verification::Verify
            },
            interrupt: None,
        })
    }
}

fn parse_server(server: &str, default_port: u16) -> Result<(String, u16), Error> {
    let bad = || Error::InvalidOption {
        name: "server",
        reason: OptionReason::HostPort,
    };
    if let Some(rest) = server.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(bad)?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| bad())?,
            None if after.is_empty() => default_port,
            None => return Err(bad()),
        };
        return Ok((host.to_owned(), port));
    }
    match server.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => Ok((h.to_owned(), p.parse().map_err(|_| bad())?)),
        _ if server.matches(':').count() > 1 => Ok((server.to_owned(), default_port)),
        _ => Ok((server.to_owned(), default_port)),
    }
}

/// What [`connect`] produced: an authenticated stream, resource not bound yet. (The
/// persistent session is [`super::session`]; this is only its login.)
pub struct Login {
    transport: Box<dyn Transport>,
    /// The bound full JID once bound; the bare JID before.
    pub jid: String,
    pub mechanism: &'static str,
    resource: String,
    domain: String,
    bound: bool,
    /// The stream was closed (or the BOSH session terminated).
    closed: bool,
    /// Whether the stream was restarted after SASL success.
    restarted: bool,
    /// The last batch was confirmed by an answered ping and nothing was sent since.
    confirmed: bool,
    counter: u32,
    /// Where stanzas nobody waits for go while the persistent session binds (else dropped).
    collected: Option<Vec<Element>>,
}

/// Connects and authenticates as `options` say, within `deadline`.
pub fn connect(
    settings: &NetSettings,
    options: &LoginOptions,
    password: &str,
    deadline: Instant,
) -> Result<Login, Error> {
    let domain = options.jid.domain.clone();
    let mut transport: Box<dyn Transport> = match &options.bosh_url {
        Some(url) => Box::new(BoshTransport::connect(
            settings,
            options.verification,
            url,
            &domain,
            deadline,
            options.interrupt.clone(),
        )?),
        None => {
            let config = tls::client_config(&settings.trusted, options.verification)
                .map_err(Error::Settings)?;
            Box::new(TcpTransport::connect(
                &options.host,
                options.port,
                settings.proxy.as_ref(),
                &domain,
                options.tls,
                config,
                deadline,
                options.interrupt.as_deref(),
            )?)
        }
    };
    let user = options.jid.local.clone().unwrap_or_default();
    let mechanism = authenticate(transport.as_mut(), options, &user, password, &domain)?;
    // The restart is left to the first batch, so that BOSH can carry it in the same request.
    Ok(Login {
        transport,
        jid: options.jid.bare(),
        mechanism,
        resource: options.resource.clone(),
        domain,
        bound: false,
        restarted: false,
        closed: false,
        confirmed: false,
        counter: 0,
        collected: None,
    })
}

fn b64(data: &[u8]) -> String {
    // The standard alphabet with padding, on one line (RFC 6120 §6.4.2): no MIME wrapping.
    base64::engine::general_purpose::STANDARD.encode(data)
}

fn unb64(text: &str) -> Result<Vec<u8>, Error> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if compact == "=" {
        return Ok(Vec::new());
    }
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| Error::Protocol {
            reason: ProtocolReason::SaslNotBase64,
        })
}

fn authenticate(
    transport: &mut dyn Transport,
    options: &LoginOptions,
    user: &str,
    password: &str,
    domain: &str,
) -> Result<&'static str, Error> {
    let offered: Vec<String> = transport
        .features()
        .find("mechanisms", NS_SASL)
        .map(|m| {
            m.elements()
                .filter(|e| e.name == "mechanism")
                .map(|e| e.text_content().trim().to_owned())
                .collect()
        })
        .unwrap_or_default();
    let plain_allowed = transport.is_secure() || options.allow_plain_without_tls;
    let name = sasl::choose(&offered, &options.mechanisms, plain_allowed).ok_or_else(|| {
        Error::NoMechanism {
            plain_refused: !plain_allowed && offered.iter().any(|o| o == "PLAIN"),
            offered: offered.clone(),
        }
    })?;
    let mut mech = sasl::start(name, user, password, domain).ok_or(Error::NoMechanism {
        offered: offered.clone(),
        plain_refused: false,
    })?;
    let sasl_err = |e: SaslError| Error::ServerNotAuthenticated {
        mechanism: name.to_owned(),
        reason: match e {
            SaslError::ServerNotAuthenticated(r) | SaslError::Malformed(r) => r,
        },
    };
    let mut auth = Element::new("auth", NS_SASL).attr("mechanism", name);
    if let Some(initial) = mech.initial() {
        // An empty initial response is "=", distinct from no initial response (RFC 6120 §6.4.2).
        auth = auth.text(&if initial.is_empty() {
            "=".to_owned()
        } else {
            b64(&initial)
        });
    }
    transport.send(&[auth])?;
    for _ in 0..10 {
        let answer = transport.recv()?;
        if answer.ns != NS_SASL {
            return Err(Error::Protocol {
                reason: ProtocolReason::UnexpectedInSasl { got: answer.name },
            });
        }
        match answer.name.as_str() {
            "challenge" => {
                let data = unb64(&answer.text_content())?;
                let reply = mech.respond(&data).map_err(sasl_err)?;
                let mut response = Element::new("response", NS_SASL);
                if !reply.is_empty() {
                    response = response.text(&b64(&reply));
                }
                transport.send(&[response])?;
            }
            "success" => {
                let text = answer.text_content();
                let data = if text.trim().is_empty() {
                    None
                } else {
                    Some(unb64(&text)?)
                };
                mech.finish(data.as_deref()).map_err(sasl_err)?;
                return Ok(name);
            }
            "failure" => {
                let condition = answer
                    .elements()
                    .find(|e| e.name != "text")
                    .map(|e| crate::xmpp::SaslCondition::of(&e.name))
                    .unwrap_or(crate::xmpp::SaslCondition::NotAuthorized);
                let text = answer
                    .find("text", NS_SASL)
                    .map(Element::text_content)
                    .unwrap_or_default();
                return Err(Error::Auth {
                    mechanism: name.to_owned(),
                    condition,
                    text,
                });
            }
            other => {
                return Err(Error::Protocol {
                    reason: ProtocolReason::UnexpectedInSasl {
                        got: other.to_owned(),
                    },
                })
            }
        }
    }
    Err(Error::Protocol {
        reason: ProtocolReason::TooManyChallenges,
    })
}

/// The condition and text of a stanza's `<error/>`.
fn stanza_error(el: &Element) -> (crate::xmpp::StanzaCondition, String) {
    let e =
        StanzaError::of(el).unwrap_or_else(|| StanzaError::new("cancel", "undefined-condition"));
    (
        crate::xmpp::StanzaCondition::of(&e.condition),
        e.text.unwrap_or_default(),
    )
}

impl Login {
    pub fn transport_name(&self) -> &'static str {
        self.transport.name()
    }

    fn next_id(&mut self, what: &str) -> String {
        self.counter += 1;
        format!("{what}-{}-{}", self.counter, &sasl::random_nonce()[..8])
    }

    fn bind_stanzas(&mut self) -> (Vec<Element>, String, Option<String>) {
        let bind_id = self.next_id("bind");
        let mut out = vec![Iq::bind(&bind_id, &self.resource).to_element()];
        // Session establishment when the server asks for it without <optional/> (RFC 6121
        // dropped it; old servers still require it). Before the restart the features are not
        // known yet, so it is sent anyway and a refusal is ignored unless it was required.
        let wanted = !self.restarted
            || self
                .transport
                .features()
                .find("session", NS_SESSION)
                .is_some_and(|s| s.find("optional", NS_SESSION).is_none());
        let session_id = match wanted {
            true => {
                let id = self.next_id("sess");
                out.push(
                    Element::new("iq", NS_CLIENT)
                        .attr("type", "set")
                        .attr("id", &id)
                        .child(Element::new("session", NS_SESSION)),
                );
                Some(id)
            }
            false => None,
        };
        (out, bind_id, session_id)
    }

    /// Binds the resource for the persistent session (and opens the session when required),
    /// confirmed by a ping like every batch. Whatever else arrived before the confirmation is
    /// appended, in order, to `arrived`, also when the confirmation never comes: a message
    /// already written to the new resource counts as delivered for the server, so the session
    /// must hand it on even if it gives this connection up. The ping stays on purpose: an
    /// ejabberd that is shutting down still binds resources but no longer answers it, and a
    /// session that took such a server for live received messages the server then lost (seen
    /// in the restart tests).
    pub fn bind_for_session(
        &mut self,
        deadline: Instant,
        arrived: &mut Vec<Element>,
    ) -> Result<(), Error> {
        self.collected = Some(Vec::new());
        let confirmed = self.send_confirmed(Vec::new(), None, "", false, deadline);
        arrived.extend(self.collected.take().unwrap_or_default());
        confirmed.map(|_| ())
    }

    /// Sends `before` (presences) and `message`, preceded by the resource binding if not done
    /// yet and followed by a ping the server answers at once: its answer proves the server has
    /// processed everything before it. Returns whether that confirmation came.
    pub fn send_confirmed(
        &mut self,
        before: Vec<Element>,
        message: impl Into<Option<Element>>,
        message_id: &str,
        close_after: bool,
        deadline: Instant,
    ) -> Result<bool, Error> {
        let message = message.into();
        let mut batch = Vec::new();
        let (mut bind_id, mut session_id) = (None, None);
        if !self.restarted {
            // Restart first so the new features say whether session establishment is needed
            // (an unneeded session iq costs BOSH one more poll for its answer).
            self.transport.restart()?;
            self.restarted = true;
        }
        if !self.bound {
            let (stanzas, b, s) = self.bind_stanzas();
            batch.extend(stanzas);
            bind_id = Some(b);
            session_id = s;
        }
        let presence_sent = !before.is_empty();
        batch.extend(before);
        batch.extend(message);
        let ping_id = self.next_id("ping");
        batch.push(Iq::ping(&ping_id, Some(&self.domain)).to_element());
        self.confirmed = false;
        self.transport.send(&batch)?;
        let mut leftover: Option<std::collections::VecDeque<Element>> = None;
        loop {
            if Instant::now() >= deadline {
                return Err(Error::Network {
                    kind: crate::net::http::FailureKind::Timeout,
                    step: super::NetworkStep::Answer,
                    detail: String::new(),
                });
            }
            let el = if let Some(queue) = leftover.as_mut() {
                match queue.pop_front() {
                    Some(e) => e,
                    // The server said goodbye without answering the ping: sent, not confirmed.
                    None => return Ok(false),
                }
            } else if close_after && self.transport.would_poll() {
                leftover = Some(std::collections::VecDeque::from(
                    self.transport.terminate_collecting()?,
                ));
                self.closed = true;
                continue;
            } else {
                self.transport.recv()?
            };
            let id = el.get_attr("id").unwrap_or("");
            let kind = el.get_attr("type").unwrap_or("");
            match el.name.as_str() {
                "iq" if bind_id.as_deref() == Some(id) => {
                    if kind == "result" {
                        let jid = el
                            .find("bind", NS_BIND)
                            .and_then(|b| b.find("jid", NS_BIND))
                            .map(Element::text_content);
                        if let Some(jid) = jid {
                            self.jid = jid.trim().to_owned();
                        }
                        self.bound = true;
                    } else {
                        let (condition, text) = stanza_error(&el);
                        return Err(Error::StanzaError {
                            stanza: crate::xmpp::StanzaKind::Bind,
                            condition,
                            text,
                        });
                    }
                }
                "iq" if session_id.as_deref() == Some(id) && kind == "error" => {
                    let (condition, text) = stanza_error(&el);
                    return Err(Error::StanzaError {
                        stanza: crate::xmpp::StanzaKind::Session,
                        condition,
                        text,
                    });
                }
                "iq" if id == ping_id => {
                    // A result, or an error from a server without XEP-0199: either way it
                    // answered an iq sent after the message, in order.
                    self.confirmed = kind == "result" || kind == "error";
                    return Ok(self.confirmed);
                }
                "iq" if kind == "get" || kind == "set" => {
                    let Ok(request) = Iq::try_from(&el) else {
                        continue;
                    };
                    let reply = request.answer().to_element();
                    if !self.closed {
                        self.transport.send(&[reply])?;
                    }
                }
                "message" if kind == "error" && !message_id.is_empty() && id == message_id => {
                    let (condition, text) = stanza_error(&el);
                    return Err(Error::StanzaError {
                        stanza: crate::xmpp::StanzaKind::Message,
                        condition,
                        text,
                    });
                }
                "presence" if kind == "error" && presence_sent => {
                    let (condition, text) = stanza_error(&el);
                    return Err(Error::StanzaError {
                        stanza: crate::xmpp::StanzaKind::Presence,
                        condition,
                        text,
                    });
                }
                _ => {
                    if let Some(collected) = self.collected.as_mut() {
                        collected.push(el);
                    }
                }
            }
        }
    }

    /// Ends the stream cleanly (`</stream:stream>`; BOSH terminate). The server's answering
    /// close is awaited unless a confirmed round trip already proved everything was processed.
    pub fn close(&mut self) -> Result<(), Error> {
        if self.closed {
            return Ok(());
        }
        self.closed = true;
        self.transport.close(!self.confirmed)
    }

    /// Restarts the stream after SASL success (when not done yet), without binding: the
    /// persistent session first tries to resume an earlier session (XEP-0198) instead.
    pub fn restart_stream(&mut self) -> Result<(), Error> {
        if !self.restarted {
            self.transport.restart()?;
            self.restarted = true;
        }
        Ok(())
    }

    /// The features of the current stream.
    pub fn features(&self) -> &Element {
        self.transport.features()
    }

    /// Marks the session bound to `jid` (a resumed XEP-0198 session keeps its resource).
    pub fn set_bound(&mut self, jid: &str) {
        self.jid = jid.to_owned();
        self.bound = true;
    }

    /// Hands the stream over to the persistent session, split for two threads.
    pub fn into_split(self) -> Result<super::transport::Split, Error> {
        self.transport.into_split()
    }

    /// The transport, for code that goes on using the stream (the persistent session).
    pub fn transport_mut(&mut self) -> &mut dyn Transport {
        self.transport.as_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_forms() {
        assert_eq!(
            parse_server("xmpp.example.org", 5222).unwrap(),
            ("xmpp.example.org".into(), 5222)
        );
        assert_eq!(
            parse_server("127.0.0.1:5322", 5222).unwrap(),
            ("127.0.0.1".into(), 5322)
        );
        assert_eq!(
            parse_server("[::1]:5223", 5222).unwrap(),
            ("::1".into(), 5223)
        );
        assert!(parse_server("host:port", 5222).is_err());
    }

    #[test]
    fn options_are_checked_before_any_connection() {
        let s = NetSettings::default();
        let o = SendOptions {
            tls: Some("ssl".into()),
            ..SendOptions::default()
        };
        assert!(matches!(
            LoginOptions::from_send_options(&s, "a@b", &o),
            Err(Error::InvalidOption { name: "tls", .. })
        ));
        let o = SendOptions {
            mechanisms: Some(vec!["SCRAM-SHA-1-PLUS".into()]),
            ..SendOptions::default()
        };
        assert!(LoginOptions::from_send_options(&s, "a@b", &o).is_err());
        assert!(matches!(
            LoginOptions::from_send_options(&s, "b", &SendOptions::default()),
            Err(Error::InvalidJid { .. })
        ));
        let a = LoginOptions::from_send_options(&s, "a@b", &SendOptions::default()).unwrap();
        let b = LoginOptions::from_send_options(&s, "a@b", &SendOptions::default()).unwrap();
        assert_ne!(a.resource, b.resource);
        assert_eq!((a.host.as_str(), a.port), ("b", 5222));
    }

    #[test]
    fn sasl_base64_is_one_line() {
        let long = vec![0xABu8; 300];
        let text = b64(&long);
        assert!(!text.contains('\n') && !text.contains('\r'));
        assert_eq!(
            unb64(&format!("{}\r\n{}", &text[..76], &text[76..])).unwrap(),
            long
        );
    }
}
