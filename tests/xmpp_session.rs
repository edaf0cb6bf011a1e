//! The persistent XMPP session (issue 6) against real ejabberd and Prosody on loopback, through
//! its two faces: the command line (`messenger xmpp listen` / `messenger xmpp send --count N`)
//! and the 1C members driven by the C++ host (tests/host/host.cpp, modes session and
//! session-bad), and the library's session itself where a test must act on the states it
//! reports. Round trips with Cyrillic, emoji and markup; 1000 messages in order; ejabberd
//! stopped and started again in the middle of 1000 paced sends; a silent server behind a proxy
//! that stops forwarding; two sessions of one account; the library unloaded with live sessions.
//!
//! The servers are this binary's own (ports 57xx, 58xx and 59xx, accounts registered per test),
//! so nothing here shares an account, a port or an offline queue with the other XMPP tests.
//! Timings are measured and printed (`cargo test -- --nocapture`), never asserted tightly.

mod support;

use std::collections::{HashMap, HashSet};
use std::process::{Command, ExitStatus};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::child::Proc;
use support::pumps::{HangProxy, HoldProxy, SilentConnectProxy, StallProxy};
use support::xmpp::{pw, Kind, Pair, Server};

// ---- servers and accounts -------------------------------------------------------------------

/// Accounts of this binary; each test uses its own, so that no message of one test (a late
/// duplicate, an offline message) can reach another. Password: "pw-" + name.
const USERS: [&str; 23] = [
    "hosta1",
    "hostb1",
    "hosta2",
    "hostb2",
    "hosta3",
    "hostb3",
    "s1000",
    "r1000",
    "silent",
    "twin",
    "badauth",
    "again",
    "cutoff",
    "bosha",
    "boshb",
    "silentb",
    "hosta4",
    "hostb4",
    "hangconn",
    "hangbosh",
    "hangproxy",
    "maska",
    "maskb",
];

fn server(kind: Kind) -> &'static Server {
    static SERVERS: Pair = Pair::new("session", 5722, 5822, &USERS);
    SERVERS.get(kind)
}

fn unique() -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

fn is_state(line: &str, states: &[&str]) -> bool {
    serde_json::from_str::<Value>(line)
        .ok()
        .and_then(|v| v.get("state").and_then(Value::as_str).map(str::to_owned))
        .is_some_and(|s| states.contains(&s.as_str()))
}

// ---- the command line -------------------------------------------------------------------------

/// `messenger xmpp SUB --jid J [--server 127.0.0.1:PORT --trusted CERT]`, password in the env.
fn messenger(s: &Server, sub: &str, jid: &str, password: &str, port: u16) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_messenger"));
    c.args(["xmpp", sub, "--jid", jid, "--server"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("--trusted")
        .arg(s.cert_path())
        .env("XMPP_PASSWORD", password);
    c
}

/// The BOSH endpoint of a server (or of a proxy in front of one) on `port`.
fn bosh_url(port: u16) -> String {
    format!("http://127.0.0.1:{port}/http-bind")
}

/// A listener that is online: waits for its "connected" state line; returns it and its full JID.
fn listen_at(
    s: &Server,
    port: u16,
    jid: &str,
    password: &str,
    resource: &str,
    extra: &[&str],
) -> (Proc, String) {
    let mut c = messenger(s, "listen", jid, password, port);
    c.args(["--resource", resource]).args(extra);
    let p = Proc::spawn(&format!("listen {jid}/{resource}"), c);
    let Some((_, _, line)) = p
        .err
        .wait(0, Duration::from_secs(30), |l| is_state(l, &["connected"]))
    else {
        panic!("the listener did not come online\n{}", p.dump());
    };
    let v: Value = serde_json::from_str(&line).unwrap();
    let full = v["jid"].as_str().unwrap_or_default().to_owned();
    assert_eq!(full, format!("{jid}/{resource}"), "{line}");
    println!(
        "{}: online after {:.2} s",
        p.name,
        p.started.elapsed().as_secs_f64()
    );
    (p, full)
}

fn listen(s: &Server, jid: &str, password: &str, resource: &str, extra: &[&str]) -> (Proc, String) {
    listen_at(s, s.c2s, jid, password, resource, extra)
}

/// `messenger xmpp send --count N`: starts it (the caller waits).
fn start_send(
    s: &Server,
    jid: &str,
    password: &str,
    to: &str,
    text: &str,
    count: usize,
    extra: &[&str],
) -> Proc {
    let mut c = messenger(s, "send", jid, password, s.c2s);
    c.args(["--to", to, "--count", &count.to_string()])
        .args(extra)
        .arg(text);
    Proc::spawn(&format!("send --count {count} {jid}"), c)
}

/// Waits for a sender and returns its one-line JSON summary.
fn summary(p: &mut Proc, limit: Duration) -> (ExitStatus, Value) {
    let Some(status) = p.wait_exit(limit) else {
        panic!("{} did not finish within {limit:?}\n{}", p.name, p.dump());
    };
    let line = p
        .out
        .all()
        .last()
        .map(|(_, l)| l.clone())
        .unwrap_or_default();
    let v: Value = serde_json::from_str(&line).unwrap_or_else(|_| {
        panic!(
            "{} printed no JSON summary ({status})\n{}",
            p.name,
            p.dump()
        )
    });
    for k in [
        "sent",
        "acked",
        "failed",
        "unconfirmed",
        "seconds",
        "rate",
        "jid",
        "stream_management",
    ] {
        assert!(v.get(k).is_some(), "the summary has no {k:?}: {line}");
    }
    (status, v)
}

fn n(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} is not a count: {v}"))
}

// ---- round trip -------------------------------------------------------------------------------

fn round_trip(kind: Kind) {
    let s = server(kind);
    // alice -> bob; the Cyrillic account тест -> carol (non-ASCII password).
    for (from, from_pw, to, to_pw) in [
        ("alice@localhost", "alicepw", "bob@localhost", "bobpw"),
        (
            "тест@localhost",
            "тестпароль",
            "carol@localhost",
            "pässwörd",
        ),
    ] {
        let resource = format!("rt-{}", unique());
        let (mut l, ljid) = listen(
            s,
            to,
            to_pw,
            &resource,
            &["--count", "1", "--timeout", "10"],
        );
        let text = support::xmpp::body("round trip");
        let mut p = start_send(s, from, from_pw, &ljid, &text, 1, &["--timeout", "10"]);
        let (status, sum) = summary(&mut p, Duration::from_secs(60));
        println!("{kind:?} {from} -> {ljid}: {sum}");
        assert_eq!(
            (
                n(&sum, "sent"),
                n(&sum, "acked"),
                n(&sum, "failed"),
                n(&sum, "unconfirmed")
            ),
            (1, 1, 0, 0),
            "{}",
            p.dump()
        );
        assert!(status.success(), "{status}\n{}", p.dump());
        assert_eq!(
            sum["stream_management"], true,
            "both servers offer XEP-0198"
        );
        assert_eq!(sum["reconnects"], 0, "the summary counts reconnects: {sum}");
        let sender = sum["jid"].as_str().unwrap().to_owned();
        assert!(sender.starts_with(&format!("{from}/")), "{sender}");
        let status = l.wait_exit(Duration::from_secs(30));
        assert!(
            status.is_some_and(|s| s.success()),
            "listen --count 1 did not end well\n{}",
            l.dump()
        );
        let msgs = l.messages();
        assert_eq!(msgs.len(), 1, "{}", l.dump());
        let m = &msgs[0].1;
        assert_eq!(m["body"], format!("{text} #1"), "text intact: {m}");
        assert_eq!(m["from"], sender.as_str());
        assert_eq!(m["to"], ljid.as_str());
        assert_eq!(m["type"], "chat");
        assert!(m["id"].as_str().is_some_and(|id| !id.is_empty()), "{m}");
        for absent in ["subject", "thread", "stamp"] {
            assert!(
                m[absent].is_null(),
                "{absent} should be null for a live message: {m}"
            );
        }
    }
}

#[test]
fn round_trip_between_two_sessions_on_ejabberd() {
    round_trip(Kind::Ejabberd);
}

#[test]
fn round_trip_between_two_sessions_on_prosody() {
    round_trip(Kind::Prosody);
}

// ---- the session over BOSH ----------------------------------------------------------------------

/// Both ends of the conversation hold a BOSH session: the listener's poll is what brings the
/// message, the sender's acks come back through its own poll. The sender's goes over https,
/// the server's certificate checked against the one given with --trusted.
#[test]
fn round_trip_between_two_bosh_sessions() {
    for kind in [Kind::Ejabberd, Kind::Prosody] {
        let s = server(kind);
        let url = bosh_url(s.http);
        let secure_url = format!("https://127.0.0.1:{}/http-bind", s.https);
        let resource = format!("bosh-{}", unique());
        let (mut l, ljid) = listen(
            s,
            "boshb@localhost",
            &pw("boshb"),
            &resource,
            &["--count", "3", "--timeout", "10", "--bosh", &url],
        );
        let text = support::xmpp::body("по BOSH <&> 😀");
        let mut p = start_send(
            s,
            "bosha@localhost",
            &pw("bosha"),
            &ljid,
            &text,
            3,
            &["--timeout", "10", "--bosh", &secure_url],
        );
        let (status, sum) = summary(&mut p, Duration::from_secs(60));
        println!("{kind:?} BOSH -> BOSH: {sum}");
        assert!(status.success(), "{status}\n{}", p.dump());
        assert_eq!(
            (n(&sum, "sent"), n(&sum, "acked"), n(&sum, "failed")),
            (3, 3, 0),
            "{}",
            p.dump()
        );
        assert_eq!(
            sum["stream_management"], true,
            "both servers offer XEP-0198 over BOSH too"
        );
        assert_eq!(sum["reconnects"], 0, "{sum}\n{}", p.dump());
        let status = l.wait_exit(Duration::from_secs(30));
        assert!(
            status.is_some_and(|s| s.success()),
            "listen --count 3 over BOSH did not end well\n{}",
            l.dump()
        );
        let bodies: Vec<String> = l
            .messages()
            .iter()
            .map(|(_, m)| m["body"].as_str().unwrap_or_default().to_owned())
            .collect();
        let want: Vec<String> = (1..=3).map(|i| format!("{text} #{i}")).collect();
        assert_eq!(bodies, want, "text intact and in order");
    }
}

/// The server holds the listener's poll for up to `wait` (10 s); stopping the session must
/// not wait for it: the terminate goes out at once and the held request is dropped.
#[test]
fn a_bosh_session_stops_without_waiting_for_the_held_poll() {
    for kind in [Kind::Ejabberd, Kind::Prosody] {
        let s = server(kind);
        let url = bosh_url(s.http);
        let mut c = messenger(s, "listen", "boshb@localhost", &pw("boshb"), s.c2s);
        c.args(["--resource", &format!("stop-{}", unique())]).args([
            "--for",
            "3",
            "--timeout",
            "30",
            "--bosh",
            &url,
        ]);
        let mut p = Proc::spawn("listen --for 3 over BOSH", c);
        let status = p.wait_exit(Duration::from_secs(60));
        assert!(status.is_some_and(|s| s.success()), "{}", p.dump());
        let states = p.states();
        let names: Vec<&str> = states
            .iter()
            .map(|(_, v)| v["state"].as_str().unwrap_or("?"))
            .collect();
        assert_eq!(names, ["connected", "disconnected"], "{}", p.dump());
        // From "connected" to "disconnected": the 3 s asked for, then the close. A close that
        // waited for the held poll would add up to 10 s (wait), one that missed the answer to
        // its terminate the 3 s the session gives a polite close.
        let stop = states[1].0.duration_since(states[0].0).as_secs_f64() - 3.0;
        println!("{kind:?}: over BOSH, the close took {stop:.3} s after the 3 s");
        assert!(
            stop < 2.0,
            "stopping waited for something: {stop:.2} s\n{}",
            p.dump()
        );
    }
}

// ---- the 1C members through the C++ host --------------------------------------------------------

fn host_session(kind: Kind, variant: &str, a: &str, b: &str) {
    let s = server(kind);
    let opts = serde_json::json!({ "server": format!("127.0.0.1:{}", s.c2s) }).to_string();
    host_session_with(kind, variant, a, b, &opts);
}

fn host_session_with(kind: Kind, variant: &str, a: &str, b: &str, opts: &str) {
    let s = server(kind);
    let (ja, jb) = (format!("{a}@localhost"), format!("{b}@localhost"));
    let cert = s.cert_path();
    let out = support::run_host(
        &["session", variant, &ja, &pw(a), &jb, &pw(b), opts],
        &[("MESSENGER_TEST_PEM", cert.to_str().unwrap())],
    );
    println!("{kind:?} host session {variant}:\n{}", out.stdout);
    assert!(out.passed >= 25, "too few checks ran: {}", out.passed);
}

#[test]
fn host_round_trip_then_destroy_live_sessions_and_unload_on_ejabberd() {
    host_session(Kind::Ejabberd, "destroy", "hosta1", "hostb1");
}

/// Over BOSH the session has more threads (each reader runs a Tokio runtime of its own, and
/// reqwest's blocking client used for the login has one): all must be gone after dlclose.
#[test]
fn host_bosh_sessions_round_trip_then_destroy_and_unload() {
    for (kind, variant) in [(Kind::Ejabberd, "destroy"), (Kind::Prosody, "disconnect")] {
        let s = server(kind);
        let opts = serde_json::json!({ "bosh_url": bosh_url(s.http) }).to_string();
        host_session_with(kind, variant, "hosta4", "hostb4", &opts);
    }
}

#[test]
fn host_destroy_object_without_done_and_unload_on_ejabberd() {
    host_session(Kind::Ejabberd, "destroy-only", "hosta2", "hostb2");
}

#[test]
fn host_reconnect_disconnect_then_destroy_and_unload_on_ejabberd() {
    host_session(Kind::Ejabberd, "disconnect", "hosta3", "hostb3");
}

#[test]
fn host_reconnect_disconnect_then_destroy_and_unload_on_prosody() {
    host_session(Kind::Prosody, "disconnect", "hosta1", "hostb1");
}

#[test]
fn host_delete_through_the_interface_and_unload_on_prosody() {
    host_session(Kind::Prosody, "delete", "hosta2", "hostb2");
}

#[test]
fn host_session_members_without_a_session_and_with_a_wrong_password() {
    for (kind, bosh) in [
        (Kind::Ejabberd, false),
        (Kind::Prosody, false),
        (Kind::Ejabberd, true),
        (Kind::Prosody, true),
    ] {
        let s = server(kind);
        let opts = match bosh {
            false => serde_json::json!({ "server": format!("127.0.0.1:{}", s.c2s) }),
            true => serde_json::json!({ "bosh_url": bosh_url(s.http) }),
        }
        .to_string();
        let cert = s.cert_path();
        let out = support::run_host(
            &["session-bad", "badauth@localhost", "wrong-пароль", &opts],
            &[("MESSENGER_TEST_PEM", cert.to_str().unwrap())],
        );
        println!("{kind:?} (BOSH: {bosh}) host session-bad:\n{}", out.stdout);
        assert!(out.passed >= 10, "too few checks ran: {}", out.passed);
    }
}

/// The split of commit 92178e7: a received message is its sender's data and reaches 1C as sent
/// (event and XmppReceive), even when its text happens to hold the session's password; a state
/// is the session's own report and is masked. Through the host on Prosody: bob sends alice a
/// message holding alice's password, and alice's session binds that same string as its
/// resource, so that the XmppState event's `jid` holds it too.
#[test]
fn a_message_holding_the_password_reaches_1c_as_sent_and_a_state_holding_it_is_masked() {
    let s = server(Kind::Prosody);
    let (a, b) = ("maska", "maskb");
    let secret = pw(a);
    let body = format!("пароль Алисы: {secret} — как набрано");
    let c2s = format!("127.0.0.1:{}", s.c2s);
    // The status makes the session available, so that a message to the bare JID reaches it.
    let connect = serde_json::json!({"server": c2s, "status": "here", "resource": secret});
    let send = serde_json::json!({ "server": c2s });
    let out = Command::new(support::host())
        .arg(support::library())
        .arg("call")
        .args(["--events", "--set"])
        .arg(format!(
            "TrustedCertificates=S:@{}",
            s.cert_path().display()
        ))
        .args(["XmppConnect", &format!("s:{a}@localhost")])
        .arg(format!("s:{secret}"))
        .arg(format!("s:{connect}"))
        .args(["--then", "SendXmpp", &format!("s:{b}@localhost")])
        .arg(format!("s:{}", pw(b)))
        .arg(format!("s:{a}@localhost"))
        .arg(format!("s:{body}"))
        .arg(format!("s:{send}"))
        .args(["--then", "XmppReceive", "n:10", "--then", "XmppDisconnect"])
        .output()
        .expect("run the host");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect();
    let calls = &lines[..4];
    assert!(calls.iter().all(|c| c["ok"] == true), "{stdout}");
    let data = |event: &str| -> Vec<Value> {
        lines
            .iter()
            .filter(|l| l["event"] == event)
            .filter_map(|l| serde_json::from_str(l["data"].as_str()?).ok())
            .collect()
    };
    // The message, as bob wrote it: in its event and in XmppReceive's answer.
    let events = data("XmppMessage");
    assert!(events.iter().any(|m| m["body"] == body), "{stdout}");
    let received: Vec<Value> = serde_json::from_str(calls[2]["value"].as_str().unwrap()).unwrap();
    assert!(received.iter().any(|m| m["body"] == body), "{stdout}");
    // The state: its JID's resource is the password, masked.
    let states = data("XmppState");
    let connected = states
        .iter()
        .find(|st| st["state"] == "connected")
        .unwrap_or_else(|| panic!("no connected state: {stdout}"));
    assert_eq!(connected["jid"], format!("{a}@localhost/***"), "{stdout}");
    for st in &states {
        assert!(!st.to_string().contains(&secret), "{st}");
    }
}

// ---- 1000 messages in one session ---------------------------------------------------------------

// ---- 1000 messages in one session ---------------------------------------------------------------

fn thousand_in_order(kind: Kind, bosh: bool) {
    const N: usize = 1000;
    let s = server(kind);
    let url = bosh_url(s.http);
    let over: &[&str] = if bosh { &["--bosh", &url] } else { &[] };
    let (mut l, ljid) = listen(
        s,
        "r1000@localhost",
        &pw("r1000"),
        if bosh { "kb" } else { "k" },
        &[&["--count", "1000", "--timeout", "30"], over].concat(),
    );
    let tag = format!("Тысяча <&> 😀 {}", unique());
    let start = Instant::now();
    let mut p = start_send(
        s,
        "s1000@localhost",
        &pw("s1000"),
        &ljid,
        &tag,
        N,
        &[&["--timeout", "60"], over].concat(),
    );
    let (status, sum) = summary(&mut p, Duration::from_secs(300));
    let sender_wall = start.elapsed().as_secs_f64();
    println!("{kind:?} (BOSH: {bosh}) send --count {N}: {sum} (process {sender_wall:.3} s)");
    assert_eq!(
        (
            n(&sum, "sent"),
            n(&sum, "acked"),
            n(&sum, "failed"),
            n(&sum, "unconfirmed")
        ),
        (N as u64, N as u64, 0, 0),
        "{}",
        p.dump()
    );
    assert!(status.success());
    // A healthy run needs no reconnection. Over BOSH this is what catches requests that
    // overtake each other on ejabberd (see bosh_stream.rs, issue_gap): the stalled request
    // was only freed by the keep-alive giving up on the connection.
    assert_eq!(sum["reconnects"], 0, "{sum}\n{}", p.dump());
    let got = l.out.wait_count(N, Duration::from_secs(120));
    let status = l.wait_exit(Duration::from_secs(30));
    let msgs = l.messages();
    let last = msgs
        .last()
        .map(|(t, _)| t.duration_since(start).as_secs_f64())
        .unwrap_or(0.0);
    println!(
        "{kind:?}: listener got {got} of {N}; last arrived {last:.3} s after the sender started = {:.0} msg/s end to end",
        msgs.len() as f64 / last.max(1e-9)
    );
    let bodies: Vec<&str> = msgs
        .iter()
        .map(|(_, m)| m["body"].as_str().unwrap_or("<no body>"))
        .collect();
    assert_eq!(bodies.len(), N, "{}", l.dump());
    for (i, b) in bodies.iter().enumerate() {
        assert_eq!(
            *b,
            format!("{tag} #{}", i + 1),
            "message {} out of order or altered",
            i + 1
        );
    }
    assert!(
        status.is_some_and(|s| s.success()),
        "listen --count {N} did not exit 0\n{}",
        l.dump()
    );
}

#[test]
fn a_thousand_messages_in_one_session_arrive_in_order_on_ejabberd() {
    thousand_in_order(Kind::Ejabberd, false);
}

#[test]
fn a_thousand_messages_in_one_bosh_session_arrive_in_order_on_ejabberd() {
    thousand_in_order(Kind::Ejabberd, true);
}

#[test]
fn a_thousand_messages_in_one_bosh_session_arrive_in_order_on_prosody() {
    thousand_in_order(Kind::Prosody, true);
}

#[test]
fn a_thousand_messages_in_one_session_arrive_in_order_on_prosody() {
    thousand_in_order(Kind::Prosody, false);
}

// ---- the server restarted in the middle ---------------------------------------------------------

#[test]
fn ejabberd_restarted_in_the_middle_of_1000_paced_sends_loses_nothing_silently() {
    restart_mid_run(false, false);
}

/// The same with ejabberd killed (SIGKILL) instead of stopped, sends paced closer so that some
/// are in flight: the accounting must still hold (each message acked or reported failed, none
/// unconfirmed, none received twice). That every acked message arrives is not asserted here: a
/// killed server can lose what it had acked and not yet passed on to the listener (printed).
#[test]
fn ejabberd_killed_in_the_middle_of_1000_sends_every_message_is_acked_or_reported_failed() {
    restart_mid_run(true, false);
}

/// The same over BOSH: both sessions lose their HTTP endpoint, their polls fail, and they log
/// in again (a new BOSH session) and try to resume.
#[test]
fn ejabberd_restarted_under_two_bosh_sessions_loses_nothing_silently() {
    restart_mid_run(false, true);
}

fn restart_mid_run(kill: bool, bosh: bool) {
    const N: u64 = 1000;
    // A server of this test alone: it is stopped (or killed) and started again under the sessions.
    let (name, base, pace) = match (kill, bosh) {
        (false, false) => ("session-restart", 5922, "20"),
        (true, _) => ("session-kill", 5952, "5"),
        (false, true) => ("session-restart-bosh", 6022, "20"),
    };
    let s = Server::start_at(Kind::Ejabberd, name, base, false);
    let url = bosh_url(s.http);
    let over: &[&str] = if bosh { &["--bosh", &url] } else { &[] };
    let (l, ljid) = listen(
        &s,
        "bob@localhost",
        "bobpw",
        "restart",
        &[&["--timeout", "5"], over].concat(),
    );
    let tag = format!("Рестарт <&> {}", unique());
    let t0 = Instant::now();
    let mut p = start_send(
        &s,
        "alice@localhost",
        "alicepw",
        &ljid,
        &tag,
        N as usize,
        &[&["--pace-ms", pace, "--timeout", "120"], over].concat(),
    );
    // Stop the server once the listener has seen a fifth of the messages.
    let seen = l.out.wait_count(200, Duration::from_secs(90));
    assert!(
        seen >= 200,
        "only {seen} messages before the restart\n{}\n{}",
        p.dump(),
        l.dump()
    );
    let stop_at = Instant::now();
    let t_stop = t0.elapsed().as_secs_f64();
    if kill {
        s.kill();
    } else {
        s.stop();
    }
    let stopped_at = Instant::now();
    let t_stopped = t0.elapsed().as_secs_f64();
    s.restart();
    let t_up = t0.elapsed().as_secs_f64();
    println!("restart (kill: {kill}, BOSH: {bosh}): stop at {t_stop:.1} s (after {seen} received), down at {t_stopped:.1} s, up again at {t_up:.1} s");

    let (status, sum) = summary(&mut p, Duration::from_secs(400));
    println!("sender: {sum} (exit {status})");
    let (acked, failed, unconfirmed) =
        (n(&sum, "acked"), n(&sum, "failed"), n(&sum, "unconfirmed"));
    assert_eq!(n(&sum, "sent"), N);
    assert_eq!(
        acked + failed + unconfirmed,
        N,
        "sent = acked + failed + unconfirmed"
    );
    assert_eq!(
        unconfirmed,
        0,
        "with --timeout 120 every message is acked or reported failed\n{}",
        p.dump()
    );
    assert_eq!(
        status.success(),
        acked == N,
        "exit 0 exactly when everything was acked"
    );
    // Each failed message named on stderr: {"failed": id, "index": i} (i = the body's #i).
    let mut failed_index: HashMap<u64, String> = HashMap::new();
    for (_, line) in p.err.all() {
        if let Ok(v) = serde_json::from_str::<Value>(&line) {
            if let Some(id) = v.get("failed").and_then(Value::as_str) {
                let i = v["index"]
                    .as_u64()
                    .unwrap_or_else(|| panic!("no index: {line}"));
                assert!((1..=N).contains(&i), "index out of 1..={N}: {line}");
                assert!(
                    failed_index.insert(i, id.to_owned()).is_none(),
                    "reported twice: {line}"
                );
            }
        }
    }
    assert_eq!(
        failed_index.len() as u64,
        failed,
        "one stderr line per failed message"
    );

    // Every acked message must reach the listener (which reconnects by itself): wait for them,
    // then for a fence message sent after all of them, so that late duplicates show too.
    let body_of = |i: u64| format!("{tag} #{i}");
    let acked_bodies: HashSet<String> = (1..=N)
        .filter(|i| !failed_index.contains_key(i))
        .map(body_of)
        .collect();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let have: HashSet<String> = l
            .messages()
            .iter()
            .filter_map(|(_, m)| m["body"].as_str().map(str::to_owned))
            .collect();
        if acked_bodies.is_subset(&have) || Instant::now() >= deadline {
            break;
        }
        l.out
            .wait_count(l.out.len() + 1, Duration::from_millis(500));
    }
    let fence = format!("fence {}", unique());
    let mut f = start_send(
        &s,
        "alice@localhost",
        "alicepw",
        &ljid,
        &fence,
        1,
        &["--timeout", "30"],
    );
    let _ = summary(&mut f, Duration::from_secs(60));
    let fenced = l
        .out
        .wait(0, Duration::from_secs(60), |line| line.contains(&fence))
        .is_some();

    let msgs = l.messages();
    let mut count: HashMap<String, usize> = HashMap::new();
    let mut delayed = 0;
    for (_, m) in &msgs {
        let b = m["body"].as_str().unwrap_or_default().to_owned();
        if !m["stamp"].is_null() {
            delayed += 1;
        }
        *count.entry(b).or_default() += 1;
    }
    let missing: Vec<u64> = (1..=N)
        .filter(|i| !failed_index.contains_key(i) && !count.contains_key(&body_of(*i)))
        .collect();
    // A graceful stop still has a window of its own: ejabberd acks a message from the sender's
    // stream while the receiver's session is already being torn down, and drops it there (no
    // session, offline storage already stopped). That is the server's loss, not ours; it can
    // only sit exactly at the seam: every earlier message arrived before the server was down,
    // every later one after the stop began (written again by the sender or from offline
    // storage). Anything else missing is ours and fails the test.
    let first_arrival: HashMap<u64, Instant> = {
        let mut at = HashMap::new();
        for (t, m) in &msgs {
            if let Some(i) = m["body"]
                .as_str()
                .and_then(|b| b.strip_prefix(&format!("{tag} #")))
                .and_then(|i| i.parse::<u64>().ok())
            {
                at.entry(i).or_insert(*t);
            }
        }
        at
    };
    let at_the_seam = |i: u64| {
        let before = (1..i).rev().find_map(|k| first_arrival.get(&k));
        let after = (i + 1..=N).find_map(|k| first_arrival.get(&k));
        before.is_none_or(|t| *t <= stopped_at) && after.is_none_or(|t| *t >= stop_at)
    };
    let (seam, missing): (Vec<u64>, Vec<u64>) = missing.into_iter().partition(|i| at_the_seam(*i));
    if !seam.is_empty() {
        println!("acked by the server as it shut down, and dropped by it: {seam:?}");
    }
    let duplicated: Vec<u64> = (1..=N)
        .filter(|i| count.get(&body_of(*i)).copied().unwrap_or(0) > 1)
        .collect();
    let failed_but_arrived = failed_index
        .keys()
        .filter(|i| count.contains_key(&body_of(**i)))
        .count();
    let strangers: Vec<&String> = count
        .keys()
        .filter(|b| !b.starts_with(&tag) && !b.starts_with(&fence))
        .collect();
    let states: Vec<String> = l
        .states()
        .iter()
        .map(|(_, v)| v["state"].as_str().unwrap_or("?").to_owned())
        .collect();
    println!(
        "restart result (kill: {kill}, BOSH: {bosh}): sent {N}, acked {acked}, failed {failed} (of which {failed_but_arrived} arrived anyway), \
         unconfirmed {unconfirmed}, sender reconnects {}; listener got {} lines ({delayed} with a delay stamp), \
         missing acked {}, duplicated {}, fence arrived {fenced}; listener states {states:?}",
        sum["reconnects"],
        msgs.len(),
        missing.len(),
        duplicated.len()
    );
    if !kill {
        assert!(
            seam.len() <= 3,
            "more lost at the shutdown than a server's seam explains: {seam:?}\n{}",
            l.dump()
        );
        assert!(
            missing.is_empty(),
            "acked but never received: {missing:?}\n{}",
            l.dump()
        );
    }
    assert!(
        duplicated.is_empty(),
        "received more than once: {duplicated:?}"
    );
    assert!(strangers.is_empty(), "bodies nobody sent: {strangers:?}");
    assert!(
        fenced,
        "the fence message after the run did not arrive\n{}",
        l.dump()
    );
    assert!(
        states.iter().any(|s| s == "reconnecting"),
        "the listener never said it was reconnecting: {states:?}"
    );
    assert!(
        sum["reconnects"].as_u64().is_some_and(|k| k >= 1),
        "the summary should count the sender's reconnects (≥ 1 across a restart): {sum}"
    );
}

// ---- MUC rooms after a session that could not be resumed -------------------------------------

/// The server restarts under a session sending groupchat messages: it forgets the session (no
/// resume) and the non-persistent room. Messages still queued must join the room again before
/// they go; without that ejabberd refuses every one of them (item-not-found, seen: 71 of 300).
#[test]
fn groupchat_messages_queued_across_a_lost_session_join_their_room_again() {
    const N: u64 = 300;
    let s = Server::start_at(Kind::Ejabberd, "session-muc", 6122, false);
    let tag = format!("Комната {}", unique());
    let mut p = start_send(
        &s,
        "alice@localhost",
        "alicepw",
        "room@conference.localhost",
        &tag,
        N as usize,
        &["--type", "groupchat", "--pace-ms", "50", "--timeout", "60"],
    );
    // 300 × 50 ms is 15 s: stop after 2, start again at once. The stop itself (ejabberdctl
    // stop) can take several seconds on a loaded machine; with 20 ms between messages the
    // sender once finished before the server went down (reconnects: 0).
    std::thread::sleep(Duration::from_secs(2));
    s.stop();
    s.restart();
    let (status, sum) = summary(&mut p, Duration::from_secs(300));
    println!("groupchat across a restart: {sum} (exit {status})");
    let refused: Vec<String> = p
        .err
        .all()
        .into_iter()
        .map(|(_, line)| line)
        .filter(|line| line.contains("XMPP_STANZA_ERROR"))
        .collect();
    assert!(
        refused.is_empty(),
        "{} groupchat messages refused after the reconnection, first: {}",
        refused.len(),
        refused[0]
    );
    assert_eq!(n(&sum, "sent"), N);
    assert_eq!(n(&sum, "acked") + n(&sum, "failed"), N, "{sum}");
    assert_eq!(n(&sum, "unconfirmed"), 0, "{sum}");
    assert!(
        sum["reconnects"].as_u64().is_some_and(|k| k >= 1),
        "the restart must have cost a reconnection: {sum}"
    );
}

// ---- a silent server ----------------------------------------------------------------------------

#[test]
fn a_silent_server_is_detected_within_the_timeout() {
    silent_server(false);
}

#[test]
fn a_silent_bosh_server_is_detected_within_the_timeout() {
    silent_server(true);
}

/// The proxy stands in front of the c2s port, or of the BOSH port (then every HTTP
/// connection, the held poll's included, goes silent).
fn silent_server(bosh: bool) {
    const TIMEOUT: f64 = 5.0;
    let s = server(Kind::Ejabberd);
    let proxy = StallProxy::start(if bosh { s.http } else { s.c2s });
    let url = bosh_url(proxy.port);
    let user = if bosh { "silentb" } else { "silent" };
    let mut extra = vec!["--timeout", "5"];
    if bosh {
        extra.extend(["--bosh", url.as_str()]);
    }
    let (l, ljid) = listen_at(
        s,
        proxy.port,
        &format!("{user}@localhost"),
        &pw(user),
        "quiet",
        &extra,
    );
    let from = l.err.len();
    let t0 = Instant::now();
    proxy.stall();
    let detected = l.err.wait(from, Duration::from_secs(60), |line| {
        is_state(line, &["reconnecting"])
    });
    let Some((idx, at, line)) = detected else {
        panic!(
            "60 s after the server went silent the listener had not noticed\n{}",
            l.dump()
        );
    };
    let secs = at.duration_since(t0).as_secs_f64();
    println!(
        "silent server (BOSH: {bosh}) noticed after {secs:.2} s (Timeout {TIMEOUT} s: {:.2}× Timeout; goal ≤ 2×): {line}",
        secs / TIMEOUT
    );
    // While the server stays silent, new connections through the proxy go nowhere either; let the
    // listener try at least once more (printed, not asserted), then let new connections through.
    if let Some((_, at2, line2)) =
        l.err
            .wait(idx + 1, Duration::from_secs(3 * TIMEOUT as u64), |_| true)
    {
        println!(
            "  then at {:.2} s: {line2}",
            at2.duration_since(t0).as_secs_f64()
        );
    }
    let t1 = Instant::now();
    proxy.resume_new();
    let back = l.err.wait(idx + 1, Duration::from_secs(90), |line| {
        is_state(line, &["connected", "resumed"])
    });
    let Some((_, at3, line3)) = back else {
        panic!(
            "the listener did not come back after the path was open again\n{}",
            l.dump()
        );
    };
    println!(
        "  back {:.2} s after the path opened: {line3}",
        at3.duration_since(t1).as_secs_f64()
    );
    // And it receives again.
    let text = format!("после тишины {}", unique());
    let mut p = start_send(
        s,
        "alice@localhost",
        "alicepw",
        &ljid,
        &text,
        1,
        &["--timeout", "10"],
    );
    let (_, sum) = summary(&mut p, Duration::from_secs(60));
    assert_eq!(n(&sum, "acked"), 1, "{sum}");
    assert!(
        l.out
            .wait(0, Duration::from_secs(30), |m| m.contains(&text))
            .is_some(),
        "the message after the silence did not arrive\n{}",
        l.dump()
    );
}

// ---- a reconnection that hangs in the TCP connect --------------------------------------------

#[test]
fn stopping_a_session_whose_reconnection_hangs_in_the_tcp_connect_does_not_wait_for_it() {
    // Timeout 30 s: a reconnection's connect may take min(Timeout, 15 s).
    stop_while_the_reconnection_hangs(Path::Tcp, 30);
}

#[test]
fn stopping_a_bosh_session_whose_reconnection_hangs_in_its_login_request_does_not_wait_for_it() {
    // Timeout 12 s: the reconnection's first login request may take 12 s.
    stop_while_the_reconnection_hangs(Path::Bosh, 12);
}

#[test]
fn stopping_a_session_whose_reconnection_waits_for_a_silent_http_proxy_does_not_wait_for_it() {
    stop_while_the_reconnection_hangs(Path::HttpProxy, 30);
}

/// How the session under test reaches the server.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Path {
    /// TCP through [`HangProxy`]: the reconnection's connect hangs.
    Tcp,
    /// BOSH through [`HangProxy`]: the reconnection's login request hangs.
    Bosh,
    /// TCP through [`SilentConnectProxy`] set as the Proxy: the reconnection connects to the
    /// proxy, which never answers its CONNECT.
    HttpProxy,
}

/// The session's state changes, as they come, for a test that waits on them.
struct States(Mutex<std::sync::mpsc::Sender<(Instant, &'static str)>>);

impl messenger::xmpp::session::Observer for States {
    fn event(&self, event: messenger::xmpp::session::Event<'_>) {
        if let messenger::xmpp::session::Event::State { state, .. } = event {
            if let Ok(tx) = self.0.lock() {
                let _ = tx.send((Instant::now(), state.name()));
            }
        }
    }
}

/// A session (the library's, as XmppConnect runs it) whose path to the server is cut so that
/// its reconnection hangs: the stop (XmppDisconnect) comes once the session announced the
/// reconnection and its attempt has had time to begin, and must not wait for that attempt.
/// The stop follows what the session reports, not a fixed time, so a slow detection of the cut
/// (BOSH notices it by its keep-alive) cannot make the test flaky.
fn stop_while_the_reconnection_hangs(path: Path, timeout: u64) {
    use messenger::xmpp::{session, LoginOptions, SendOptions};
    let s = server(Kind::Ejabberd);
    let bosh = path == Path::Bosh;
    let (mut hang, silent) = match path {
        Path::Tcp => (Some(HangProxy::start(s.c2s)), None),
        Path::Bosh => (Some(HangProxy::start(s.http)), None),
        Path::HttpProxy => (None, Some(SilentConnectProxy::start(s.c2s))),
    };
    let user = match path {
        Path::Tcp => "hangconn",
        Path::Bosh => "hangbosh",
        Path::HttpProxy => "hangproxy",
    };
    let settings = messenger::net::NetSettings {
        timeout: Duration::from_secs(timeout),
        proxy: silent.as_ref().map(|p| {
            messenger::net::Proxy::parse(&format!("http://127.0.0.1:{}", p.port))
                .unwrap()
                .unwrap()
        }),
        ..s.settings()
    };
    let port = hang.as_ref().map_or(s.c2s, |h| h.port);
    let options = SendOptions {
        bosh_url: bosh.then(|| bosh_url(port)),
        server: (!bosh).then(|| format!("127.0.0.1:{port}")),
        resource: Some("hang".into()),
        ..SendOptions::default()
    };
    let login =
        LoginOptions::from_send_options(&settings, &format!("{user}@localhost"), &options).unwrap();
    let config = session::Config {
        settings,
        login,
        status: None,
        priority: None,
    };
    let (tx, states) = std::sync::mpsc::channel();
    let observer = Arc::new(States(Mutex::new(tx)));
    let mut client =
        session::Client::connect(config, &pw(user), Some(observer), Default::default())
            .expect("connect through the proxy");
    match (&mut hang, &silent) {
        (Some(h), _) => h.blackhole(),
        (_, Some(p)) => p.go_silent(),
        _ => unreachable!(),
    }
    let cut = Instant::now();
    let noticed = loop {
        match states.recv_timeout(Duration::from_secs(30)) {
            Ok((t, "reconnecting")) => break t,
            Ok(_) => continue,
            Err(_) => panic!("the session did not notice the cut within 30 s"),
        }
    };
    // The first attempt starts after a pause of 0.5 s (± a quarter): by 1.5 s it is in its
    // connect or its login request, which hang.
    std::thread::sleep(Duration::from_millis(1500));
    let asked = Instant::now();
    client.disconnect();
    let took = asked.elapsed().as_secs_f64();
    let after: Vec<&str> = states.try_iter().map(|(_, state)| state).collect();
    println!(
        "{path:?}: cut noticed after {:.2} s, stop asked {:.2} s after that, took {took:.3} s; \
         states after the reconnecting: {after:?}",
        noticed.duration_since(cut).as_secs_f64(),
        asked.duration_since(noticed).as_secs_f64()
    );
    // The point of the test: the stop came while the attempt was still pending (no other
    // attempt, no success in between), and it did not wait for it.
    assert_eq!(
        after,
        ["disconnected"],
        "another attempt or a success came before the stop: the attempt did not hang"
    );
    assert!(
        took < 3.0,
        "the stop waited for the hanging attempt: {took:.2} s (Timeout {timeout} s)"
    );
    drop(hang);
}

// ---- two sessions of one account ----------------------------------------------------------------

#[test]
fn two_sessions_of_one_account_on_different_resources_both_work() {
    for kind in [Kind::Ejabberd, Kind::Prosody] {
        let s = server(kind);
        let (mut one, j1) = listen(
            s,
            "twin@localhost",
            &pw("twin"),
            "one",
            &["--count", "1", "--timeout", "10"],
        );
        let (mut two, j2) = listen(
            s,
            "twin@localhost",
            &pw("twin"),
            "two",
            &["--count", "1", "--timeout", "10"],
        );
        let (t1, t2) = (
            format!("первому {}", unique()),
            format!("второму {}", unique()),
        );
        // To the first from another account; to the second from a third session of the same one.
        let mut a = start_send(
            s,
            "alice@localhost",
            "alicepw",
            &j1,
            &t1,
            1,
            &["--timeout", "10"],
        );
        let mut b = start_send(
            s,
            "twin@localhost",
            &pw("twin"),
            &j2,
            &t2,
            1,
            &["--timeout", "10", "--resource", "three"],
        );
        for p in [&mut a, &mut b] {
            let (status, sum) = summary(p, Duration::from_secs(60));
            assert!(
                status.success() && n(&sum, "acked") == 1,
                "{sum}\n{}",
                p.dump()
            );
        }
        for (l, text, sender) in [
            (&mut one, &t1, "alice@localhost/"),
            (&mut two, &t2, "twin@localhost/three"),
        ] {
            let status = l.wait_exit(Duration::from_secs(30));
            assert!(status.is_some_and(|s| s.success()), "{}", l.dump());
            let msgs = l.messages();
            assert_eq!(msgs.len(), 1, "{}", l.dump());
            assert_eq!(msgs[0].1["body"], format!("{text} #1"));
            assert!(
                msgs[0].1["from"]
                    .as_str()
                    .unwrap_or_default()
                    .starts_with(sender),
                "{}",
                msgs[0].1
            );
            // Neither session was pushed out by the other.
            let states: Vec<String> = l
                .states()
                .iter()
                .map(|(_, v)| v["state"].as_str().unwrap_or("?").to_owned())
                .collect();
            assert!(
                !states.iter().any(|s| s == "reconnecting" || s == "failed"),
                "{kind:?} {}: {states:?}",
                l.name
            );
        }
        println!("{kind:?}: twin/one and twin/two both received, neither displaced");
    }
}

/// The proxy itself, with the one-shot SendXmpp (which exists without the session): it forwards,
/// then goes silent without closing, then lets new connections through again.
#[test]
fn the_stall_proxy_forwards_goes_silent_and_recovers() {
    use messenger::i18n::Localized;
    use messenger::xmpp::{send_message, SendOptions};
    let s = server(Kind::Ejabberd);
    let proxy = StallProxy::start(s.c2s);
    let options = SendOptions {
        server: Some(format!("127.0.0.1:{}", proxy.port)),
        ..SendOptions::default()
    };
    let mut settings = s.settings();
    settings.timeout = Duration::from_secs(3);
    let send = || {
        send_message(
            &settings,
            "alice@localhost",
            "alicepw",
            "silent@localhost/none",
            "x",
            &options,
        )
    };
    send().expect("through the proxy");
    proxy.stall();
    let t = Instant::now();
    match send() {
        Err(e) if e.code() == "XMPP_TIMEOUT" => {
            println!("stalled: {e} after {:.1} s", t.elapsed().as_secs_f64())
        }
        other => panic!("a stalled proxy should time out: {other:?}"),
    }
    proxy.resume_new();
    send().expect("through the proxy again");
}

// ---- a clean close acknowledges what it received -------------------------------------------------

/// A listener that received a message and ended cleanly must have acknowledged it (XEP-0198
/// `<a h=.../>` before `</stream:stream>`): otherwise the server counts it unhandled and stores
/// it offline, and the account's next session gets it a second time (with a delay stamp).
/// The next session is fenced: a message sent after it is online arrives after any offline one.
/// Against a client that does not ack before closing, whether Prosody stores the message depends
/// on whether its own `<r/>` was answered in time, so the failure shows in most runs, not all;
/// against a correct client the test always passes. (ejabberd does not store it either way.)
#[test]
fn a_message_received_before_a_clean_close_is_not_delivered_again() {
    for kind in [Kind::Ejabberd, Kind::Prosody] {
        let s = server(kind);
        let text = format!("однажды {}", unique());
        let (mut first, j1) = listen(
            s,
            "again@localhost",
            &pw("again"),
            "first",
            &["--count", "1", "--timeout", "10"],
        );
        let mut p = start_send(
            s,
            "alice@localhost",
            "alicepw",
            &j1,
            &text,
            1,
            &["--timeout", "10"],
        );
        let (_, sum) = summary(&mut p, Duration::from_secs(60));
        assert_eq!(n(&sum, "acked"), 1, "{sum}");
        let status = first.wait_exit(Duration::from_secs(30));
        assert!(status.is_some_and(|s| s.success()), "{}", first.dump());
        assert_eq!(first.messages().len(), 1, "{}", first.dump());
        // The account's next session, then a fence message to it.
        let (mut second, j2) = listen(
            s,
            "again@localhost",
            &pw("again"),
            "second",
            &["--count", "1", "--timeout", "10"],
        );
        let fence = format!("забор {}", unique());
        let mut f = start_send(
            s,
            "alice@localhost",
            "alicepw",
            &j2,
            &fence,
            1,
            &["--timeout", "10"],
        );
        let _ = summary(&mut f, Duration::from_secs(60));
        let _ = second.wait_exit(Duration::from_secs(30));
        let got: Vec<String> = second
            .messages()
            .iter()
            .map(|(_, m)| m.to_string())
            .collect();
        println!("{kind:?}: the next session's first message: {got:?}");
        assert!(
            got.first().is_some_and(|m| m.contains(&fence)),
            "{kind:?}: the message the first session received came again: {got:?}"
        );
    }
}

// ---- stopping a session while it reconnects -----------------------------------------------------

#[test]
fn stopping_a_session_cuts_a_reconnection_that_hangs_in_the_login() {
    // Timeout 60: a reconnection attempt whose server accepts and never answers would keep its
    // login waiting up to 15 s (the per-attempt cap). Stopping the session must cut it instead.
    let s = server(Kind::Ejabberd);
    let proxy = HoldProxy::start(s.c2s);
    let (mut l, _) = listen_at(
        s,
        proxy.port,
        "cutoff@localhost",
        &pw("cutoff"),
        "cut",
        &["--timeout", "60", "--for", "8"],
    );
    proxy.cut();
    let reconnecting = l.err.wait(0, Duration::from_secs(20), |line| {
        is_state(line, &["reconnecting"])
    });
    assert!(
        reconnecting.is_some(),
        "the cut was not noticed\n{}",
        l.dump()
    );
    // The attempt now hangs in the login; --for ends the listener (drop → XmppDisconnect).
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(st) = l.child.try_wait().unwrap() {
            break st;
        }
        assert!(
            Instant::now() < deadline,
            "the listener never ended\n{}",
            l.dump()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let lived = l.started.elapsed().as_secs_f64();
    println!("listener with --for 8 ended after {lived:.2} s (status {status})");
    let disconnected = l.err.wait(0, Duration::from_secs(1), |line| {
        is_state(line, &["disconnected"])
    });
    assert!(
        disconnected.is_some(),
        "no disconnected state\n{}",
        l.dump()
    );
    // Without the cut it would have lived until the hanging login's deadline: 8 s plus up to
    // 15 s. With it, it ends right after --for.
    assert!(
        lived < 8.0 + 7.0,
        "stopping waited for the hanging login ({lived:.2} s)\n{}",
        l.dump()
    );
}
