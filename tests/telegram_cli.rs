//! `messenger telegram …` against the stand-in: the token comes from the environment and never
//! shows in the output; results are JSON on stdout, errors `[CODE] message` on stderr.

mod telegram_support;

use std::process::{Command, Output};

use serde_json::Value;
use telegram_support::*;

const TOKEN: &str = "8080:AAcliSecret";

fn messenger(s: &StandIn, env_token: Option<&str>, args: &[&str]) -> Output {
    let trusted = s.dir.path("trusted.pem");
    std::fs::write(&trusted, &s.cert_pem).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_messenger"));
    cmd.arg("telegram")
        .args(["--api-url", &s.base_url(), "--timeout", "5", "--trusted"])
        .arg(&trusted)
        .args(args)
        .env_remove("TELEGRAM_BOT_TOKEN");
    if let Some(t) = env_token {
        cmd.env("MY_BOT", t).args(["--token-env", "MY_BOT"]);
    }
    cmd.output().expect("run messenger")
}

#[test]
fn send_call_and_check_from_the_command_line() {
    let s = StandIn::start();
    let out = messenger(
        &s,
        Some(TOKEN),
        &[
            "send",
            "-100500",
            "Привет",
            "--options",
            r#"{"parse_mode":"HTML"}"#,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["text"], "Привет");
    assert_eq!(v["chat"]["id"], -100500);

    let out = messenger(&s, Some(TOKEN), &["call", "getMe"]);
    assert!(out.status.success());

    let hook = Webhook::start("tg", "pw", None);
    let cert = hook.cert.to_str().unwrap().to_owned();
    let url = hook.url("tg:wrong", "/x");
    let out = messenger(
        &s,
        Some(TOKEN),
        &["set-webhook", &url, "--certificate", &cert],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = messenger(
        &s,
        Some(TOKEN),
        &["--lang", "ru", "check", "--certificate", &cert],
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["findings"][0]["code"], "LAST_ERROR_HTTP_401", "{v}");
}

#[test]
fn errors_go_to_stderr_with_their_code_and_without_the_token() {
    let s = StandIn::start();
    let out = messenger(&s, None, &["webhook-info"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("TELEGRAM_BOT_TOKEN")
            || String::from_utf8_lossy(&out.stderr).contains("MY_BOT")
    );

    for (args, code) in [
        (
            vec!["--lang", "en", "call", "getMe"],
            "[TELEGRAM_UNAUTHORIZED]",
        ),
        (
            vec!["--lang", "en", "set-webhook", "https://127.0.0.5:8080/x"],
            "[TELEGRAM_WEBHOOK_PORT]",
        ),
    ] {
        let token = if code.contains("UNAUTHORIZED") {
            "1:wrongCliSecret"
        } else {
            TOKEN
        };
        let out = messenger(&s, Some(token), &args);
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with(code), "{err}");
        assert!(
            !err.contains("wrongCliSecret") && !err.contains("AAcliSecret"),
            "{err}"
        );
        assert!(out.stdout.is_empty());
    }

    let out = messenger(&s, Some(TOKEN), &["no-such-command"]);
    assert_eq!(out.status.code(), Some(2));
}
