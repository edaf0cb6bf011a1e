//! MakeCert / СоздатьСертификат.

use std::path::PathBuf;

use super::args::Args;
use super::error::AddinError;
use super::value::Value;
use super::{json, Messenger};
use crate::cert::{self, CertOptions, CertRequest};

pub(super) fn make_cert(_m: &mut Messenger, args: &Args) -> Result<Value, AddinError> {
    let common_name = args.string(0)?;
    let directory = args.string(1)?;
    let pfx_password = args.string(2)?;
    let options: CertOptions = args.options(3)?;
    let request = CertRequest {
        common_name: common_name.to_owned(),
        // An empty directory means: write nothing, return the PEMs and the PFX in the JSON.
        directory: (!directory.trim().is_empty()).then(|| PathBuf::from(directory)),
        pfx_password: pfx_password.to_owned(),
        options,
    };
    let output = cert::make_cert(&request).map_err(|source| AddinError::Cert {
        method: args.method,
        source,
    })?;
    json(args.method, &output)
}
