//! `messenger telegram …` against the stand-in: the token comes from the environment and never
//! shows in the output; results are JSON on stdout, errors `[CODE] message` on stderr.

mod support;

use std::process::{Command, Output, Stdio};

use serde_json::Value;
use support::telegram::*;

const TOKEN: &str = "8080:AAcliSecret";

fn messenger(s: &StandIn, env_token: Option<&str>, args: &[&str]) -> Output {
    command(s, env_token, args).output().expect("run messenger")
}

fn command(s: &StandIn, env_token: Option<&str>, args: &[&str]) -> Command {
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
    cmd
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

/// `download --out -`: the file's bytes alone on stdout (no JSON after them); and when the
/// reader has closed the pipe, a quiet end with 141 instead of a panic or an error text.
#[test]
fn a_download_to_stdout_is_the_file_and_a_closed_stdout_ends_it_quietly() {
    let s = StandIn::start();
    let payload: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let file = s.dir.path("payload.bin");
    std::fs::write(&file, &payload).unwrap();
    let out = messenger(
        &s,
        Some(TOKEN),
        &["send-file", "42", file.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sent: Value = serde_json::from_slice(&out.stdout).unwrap();
    let file_id = sent["document"]["file_id"].as_str().unwrap().to_owned();

    let out = messenger(&s, Some(TOKEN), &["download", &file_id, "--out", "-"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout == payload, "stdout is not the file alone");

    for args in [
        &["download", &file_id, "--out", "-"][..],
        &["call", "getMe"],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = command(&s, Some(TOKEN), args)
            .stdout(Stdio::from(writer))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(141), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}
