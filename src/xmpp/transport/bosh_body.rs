//! The BOSH body codec (XEP-0124): reading a response `<body/>` and turning what ends a BOSH
//! session (a terminate, an HTTP status, a failed request) into our error. Shared by the
//! login's transport ([`super::bosh`]) and the persistent session's ([`super::bosh_stream`]),
//! so that neither imports the other.

use crate::net::http::FailureKind;
use crate::xmpp::xml::{Element, ReadError, StreamReader};
use crate::xmpp::{BoshCondition, Error, ProtocolReason, NS_STREAM};

pub const NS_HTTPBIND: &str = "http://jabber.org/protocol/httpbind";
/// The longest a response may be; an endless body is refused, not buffered.
pub(super) const MAX_RESPONSE_BYTES: u64 = 1 << 20;

/// A failed request as our error (without the URL, which the failure never carries).
pub(super) fn http_error(e: reqwest::Error) -> Error {
    let f = crate::net::http::failure(e);
    match f.kind {
        FailureKind::Tls => Error::Tls {
            reason: f.tls_reason(),
            detail: f.detail,
        },
        kind => Error::Network {
            kind,
            step: crate::xmpp::NetworkStep::Bosh,
            detail: f.detail,
        },
    }
}

/// The server ended the session (`type='terminate'`): its stream error if it gave one (wrapped
/// or bare: XEP-0124 and XEP-0206 examples differ), else its condition.
pub(super) fn terminated(body: &Element) -> Error {
    if let Some(e) = body.find("error", NS_STREAM) {
        return super::tcp::stream_error(e);
    }
    Error::BoshTerminated {
        condition: BoshCondition::of(body.get_attr("condition").unwrap_or("undefined-condition")),
    }
}

/// Anything but 200 ends the session: legacy connection managers report errors as HTTP codes
/// (XEP-0124 §17.1: 400 bad-request, 403 policy-violation, 404 item-not-found), which
/// [`BoshCondition::HttpStatus`] explains.
pub(super) fn http_status(status: u16) -> Result<(), Error> {
    if status == 200 {
        return Ok(());
    }
    Err(Error::BoshTerminated {
        condition: BoshCondition::HttpStatus(status),
    })
}

/// Reads a response `<body/>`. A binding error (`type='error'`, XEP-0124 §17.3) is recoverable
/// in theory by resending the unanswered requests; no client we serve needs that subtlety, so
/// it ends the session.
pub(super) fn parse_body(data: &[u8]) -> Result<Element, Error> {
    // A response is one XML document; read it as a "stream" of one element.
    let mut reader = StreamReader::new(data);
    let body = reader.read_element().map_err(|e| Error::Protocol {
        reason: match e {
            ReadError::Malformed(parser) => ProtocolReason::BoshMalformed { parser },
            _ => ProtocolReason::BoshTruncated,
        },
    })?;
    if !body.is("body", NS_HTTPBIND) {
        return Err(Error::Protocol {
            reason: ProtocolReason::BoshNotBody { got: body.name },
        });
    }
    if body.get_attr("type") == Some("error") {
        return Err(Error::BoshTerminated {
            condition: BoshCondition::Recoverable,
        });
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminate_body_is_parsed() {
        let b = parse_body(b"<body xmlns='http://jabber.org/protocol/httpbind' type='terminate' condition='item-not-found'/>").unwrap();
        assert_eq!(b.get_attr("condition"), Some("item-not-found"));
        assert!(parse_body(b"not xml").is_err());
    }

    #[test]
    fn what_ends_a_session_is_a_condition_of_ours() {
        use crate::i18n::{Lang, Localized};
        let ended = |data: &[u8]| match parse_body(data).map(|b| terminated(&b)) {
            Ok(e) | Err(e) => e,
        };
        let expired = ended(b"<body xmlns='http://jabber.org/protocol/httpbind' type='terminate' condition='item-not-found'/>");
        assert!(
            matches!(
                &expired,
                Error::BoshTerminated {
                    condition: BoshCondition::ItemNotFound
                }
            ),
            "{expired:?}"
        );
        assert_eq!(expired.code(), "XMPP_BOSH_TERMINATED");
        assert!(expired
            .message(Lang::Ru)
            .contains("\"item-not-found\": сервер не знает этот сеанс"));
        let lost = ended(b"<body xmlns='http://jabber.org/protocol/httpbind' type='error'/>");
        assert!(
            matches!(
                &lost,
                Error::BoshTerminated {
                    condition: BoshCondition::Recoverable
                }
            ),
            "{lost:?}"
        );
        assert!(
            !lost.message(Lang::En).contains("recoverable error"),
            "{lost}"
        );
        let status = http_status(404).unwrap_err();
        assert!(
            status
                .message(Lang::Ru)
                .contains("HTTP 404: сервер не знает этот сеанс"),
            "{status}"
        );
        assert!(http_status(200).is_ok());
        // A stream error inside the terminate body is the stream's.
        let wrapped = ended(b"<body xmlns='http://jabber.org/protocol/httpbind' type='terminate' condition='remote-stream-error'><stream:error xmlns:stream='http://etherx.jabber.org/streams'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></body>");
        assert!(
            matches!(
                &wrapped,
                Error::StreamError {
                    condition: crate::xmpp::StreamCondition::Conflict,
                    ..
                }
            ),
            "{wrapped:?}"
        );
    }
}
