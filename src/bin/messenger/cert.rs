//! `messenger cert …`: `MakeCert` from the command line, for administrators setting up a web
//! publication by hand and for the benchmark against `openssl req`.
//!
//! The PFX password is never required on the command line, where other users can see it in the
//! process list: it comes from `--password-env VAR`, else from `--password` (for throw-away test
//! certificates), else from the variable `MESSENGER_PFX_PASSWORD`.

use std::path::PathBuf;

use messenger::cert::{make_cert, CertOptions, CertRequest};
use messenger::i18n::{self, Lang};

use crate::{out, Stop};

/// The variable read for the PFX password when neither option gives one.
const DEFAULT_PASSWORD_VAR: &str = "MESSENGER_PFX_PASSWORD";

/// Makes a self-signed certificate (key, PEM, PFX) for an IP address or a DNS name and prints
/// the result as JSON.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "The PFX password comes from --password-env VAR, else from --password, else \
                  from the environment variable MESSENGER_PFX_PASSWORD.\n\
                  Without --dir nothing is written: the key and the PFX (base64) are printed in \
                  the JSON.\n\
                  Example: MESSENGER_PFX_PASSWORD=… messenger cert --cn 203.0.113.7 --dir ./ssl"
)]
pub struct Args {
    /// The CN: the server's IP address or DNS name, exactly as in its URL.
    #[arg(long, value_name = "HOST")]
    cn: String,
    /// Directory for <basename>.key, .pem and .pfx; created if missing.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Name of an environment variable holding the PFX password.
    #[arg(long, value_name = "VAR", conflicts_with = "password")]
    password_env: Option<String>,
    /// The PFX password itself (visible to other local users: prefer --password-env).
    #[arg(long, value_name = "PASSWORD")]
    password: Option<String>,
    /// Validity in days, 1..3650 [default: 365].
    #[arg(long, value_parser = crate::usage::whole(0u32, u32::MAX))]
    days: Option<u32>,
    /// rsa2048 (default), rsa3072, rsa4096 or ecdsa-p256.
    #[arg(long, value_name = "TYPE")]
    key: Option<String>,
    /// C: two letters, such as RU.
    #[arg(long)]
    country: Option<String>,
    /// ST.
    #[arg(long)]
    state: Option<String>,
    /// L.
    #[arg(long)]
    locality: Option<String>,
    /// O.
    #[arg(long)]
    org: Option<String>,
    /// OU.
    #[arg(long)]
    unit: Option<String>,
    /// emailAddress.
    #[arg(long)]
    email: Option<String>,
    /// An extra subjectAltName (IP address or DNS name); repeat for more.
    #[arg(long = "alt", value_name = "NAME")]
    alt_names: Vec<String>,
    /// File names without extension [default: cert].
    #[arg(long)]
    basename: Option<String>,
    /// Replace existing files.
    #[arg(long)]
    overwrite: bool,
}

fn password(args: &Args, lang: Lang) -> Result<String, String> {
    if let Some(var) = &args.password_env {
        return std::env::var(var).map_err(|_| {
            lang.pick(
                "переменная окружения {var}, указанная в --password-env, не задана",
                "the environment variable {var} named by --password-env is not set",
            )
            .replace("{var}", var)
        });
    }
    if let Some(pw) = &args.password {
        return Ok(pw.clone());
    }
    std::env::var(DEFAULT_PASSWORD_VAR).map_err(|_| {
        lang.pick(
            "не задан пароль PFX: укажите --password-env ПЕРЕМЕННАЯ или задайте переменную \
             окружения MESSENGER_PFX_PASSWORD",
            "no PFX password: give --password-env VAR or set the environment variable \
             MESSENGER_PFX_PASSWORD",
        )
        .to_owned()
    })
}

pub fn run(args: &Args) -> Result<(), Stop> {
    let lang = crate::lang();
    let pfx_password = password(args, lang).map_err(Stop::Usage)?;
    let request = CertRequest {
        common_name: args.cn.clone(),
        directory: args.dir.clone(),
        pfx_password,
        options: CertOptions {
            days: args.days,
            key: args.key.clone(),
            country: args.country.clone(),
            state: args.state.clone(),
            locality: args.locality.clone(),
            organization: args.org.clone(),
            unit: args.unit.clone(),
            email: args.email.clone(),
            alt_names: (!args.alt_names.is_empty()).then(|| args.alt_names.clone()),
            basename: args.basename.clone(),
            overwrite: args.overwrite.then_some(true),
        },
    };
    let result = make_cert(&request).map_err(|e| Stop::Failed(i18n::render(&e, lang)))?;
    let json = serde_json::to_string_pretty(&result).map_err(|e| Stop::Failed(e.to_string()))?;
    out::line(json)
}
