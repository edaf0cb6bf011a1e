//! MakeCert / СоздатьСертификат.

use super::error::AddinError;
use super::value::{Args, Value};
use super::Messenger;

/// The options API.md lists for MakeCert.
const CERT_OPTIONS: &[&str] = &[
    "days",
    "key",
    "country",
    "state",
    "locality",
    "organization",
    "unit",
    "email",
    "alt_names",
    "basename",
    "overwrite",
];

pub(super) fn make_cert(_m: &mut Messenger, args: &Args) -> Result<Value, AddinError> {
    args.string(0)?;
    args.string(1)?;
    args.string(2)?;
    args.options_with_keys(3, CERT_OPTIONS)?;
    Err(AddinError::NotAvailable {
        method: args.method,
    })
}
