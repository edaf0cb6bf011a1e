//! Files over XMPP (issue 16): HTTP File Upload (XEP-0363) with the out-of-band URL
//! (XEP-0066), against ejabberd's mod_http_upload and Prosody's http_file_share on loopback,
//! both with the tests' own self-signed certificate on the upload's https port.
//!
//! Through the C++ host as 1C calls the members (SendXmppFile with ДвоичныеДанные, XmppConnect
//! then XmppSendFile with a path) and through `messenger xmpp send-file`: the bytes downloaded
//! from the returned URL are the bytes sent (binary, with zero bytes), a Cyrillic name with
//! spaces reaches the slot, the slixmpp receiver (bob) gets the message whose body is the URL
//! and whose oob element carries it, and our own session receives it too. A file over the
//! server's limit is refused before anything is uploaded (the server's upload store stays as
//! it was), and an upload certificate that is not trusted is refused with a clear error.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use support::xmpp::{Kind, Server};

/// Both servers are set up with this limit (EJ_UPLOAD_MAX / PR_UPLOAD_MAX default).
const LIMIT: usize = 1_048_576;

const NAME: &str = "Отчёт за май 2026.bin";

fn server(kind: Kind) -> &'static Server {
    Server::get(kind)
}

/// The tests of this binary one at a time: the refusal test counts the files in the server's
/// upload store, which another test's upload would change.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// A file of `size` bytes with zero bytes and every other byte value, unique per call.
fn binary(size: usize, salt: u8) -> Vec<u8> {
    let mut v: Vec<u8> = (0..size)
        .map(|i| ((i * 7 + salt as usize) % 256) as u8)
        .collect();
    for i in (0..size).step_by(97) {
        v[i] = 0;
    }
    let pid = std::process::id().to_le_bytes();
    v[..4.min(size)].copy_from_slice(&pid[..4.min(size)]);
    v
}

fn write_temp(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write the test file");
    p
}

/// The connection options of the members for this server (STARTTLS on its c2s port).
fn opts(s: &Server, tls: &str) -> String {
    serde_json::json!({"server": format!("127.0.0.1:{}", s.c2s), "tls": tls}).to_string()
}

/// Runs the host's call mode (several calls on one object with `--then`); one JSON per call.
fn host_calls(args: &[String]) -> (bool, Vec<Value>) {
    let dir = support::temp_dir("xfiles");
    let out = Command::new(support::host())
        .arg(support::library())
        .arg("call")
        .args(args)
        .current_dir(&dir)
        .output()
        .expect("run the host");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert!(
        !lines.is_empty(),
        "host printed nothing: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for l in &lines {
        assert_eq!(l["memory_balanced"], true, "{l}");
    }
    (out.status.success(), lines)
}

fn json_value(line: &Value) -> Value {
    serde_json::from_str(line["value"].as_str().unwrap_or("")).unwrap_or_else(|e| {
        panic!("not JSON: {line} ({e})");
    })
}

/// The files the server keeps for uploads (to see that nothing was uploaded).
fn stored(s: &Server) -> usize {
    fn count(dir: &Path) -> usize {
        std::fs::read_dir(dir)
            .map(|rd| {
                rd.flatten()
                    .map(|e| {
                        let p = e.path();
                        if p.is_dir() {
                            count(&p)
                        } else {
                            1
                        }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    match s.kind {
        Kind::Ejabberd => count(&s.dir.join("upload")),
        Kind::Prosody => count(&s.dir.join("data/upload%2elocalhost/http_file_share")),
    }
}

fn download(s: &Server, url: &str) -> Vec<u8> {
    let client =
        messenger::net::http::client(&s.settings(), messenger::net::tls::Verification::Verify)
            .expect("client");
    let r = client.get(url).send().expect("download the uploaded file");
    assert!(r.status().is_success(), "GET {url}: {}", r.status());
    r.bytes().expect("body").to_vec()
}

/// The file name as the URL's last segment carries it.
fn url_name(url: &str) -> String {
    let last = url.rsplit('/').next().unwrap_or_default();
    let bytes: Vec<u8> = {
        let b = last.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' && i + 2 < b.len() {
                out.push(u8::from_str_radix(&last[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        out
    };
    String::from_utf8(bytes).expect("UTF-8 name")
}

/// The name survived: exactly on Prosody; ejabberd replaces spaces by '_' in its store (its
/// own policy), the Cyrillic letters stay.
fn assert_name(kind: Kind, url: &str, name: &str) {
    let got = url_name(url);
    let want = match kind {
        Kind::Prosody => name.to_owned(),
        Kind::Ejabberd => name.replace(' ', "_"),
    };
    assert_eq!(got, want, "{url}");
}

/// The slixmpp receiver (bob) got the message: body the URL, oob the URL.
fn assert_received(s: &Server, url: &str) {
    let got = s.expect_body(url);
    assert_eq!(got["oob"], url, "the out-of-band element: {got}");
}

fn blob_one_shot(kind: Kind) {
    let _serial = one_at_a_time();
    let s = server(kind);
    let dir = support::temp_dir("xfiles-blob");
    let bytes = binary(300_000, 1);
    let file = write_temp(&dir, "payload.bin", &bytes);
    let cert = s.cert_path();
    let (ok, lines) = host_calls(&[
        "--lang".into(),
        "ru".into(),
        "--set".into(),
        format!("TrustedCertificates=S:@{}", cert.display()),
        "ОтправитьФайлXMPP".into(),
        "s:alice@localhost".into(),
        "s:alicepw".into(),
        "s:bob@localhost".into(),
        format!("X:@{}", file.display()),
        format!("s:{NAME}"),
        format!("s:{}", opts(s, "starttls")),
    ]);
    assert!(ok, "{lines:?}");
    let r = json_value(&lines[0]);
    let url = r["url"].as_str().expect("url").to_owned();
    assert_eq!(r["acked"], true, "{r}");
    assert_eq!(r["transport"], "tcp");
    assert!(r["jid"].as_str().unwrap().starts_with("alice@localhost/"));
    assert!(r["id"].as_str().is_some_and(|i| !i.is_empty()));
    assert!(url.starts_with("https://"), "{url}");
    assert_name(kind, &url, NAME);
    assert_eq!(download(s, &url), bytes, "the downloaded bytes differ");
    assert_received(s, &url);
}

fn path_in_session(kind: Kind) {
    let _serial = one_at_a_time();
    let s = server(kind);
    let dir = support::temp_dir("xfiles-path");
    let bytes = binary(LIMIT, 2); // exactly the limit: accepted
    let name = "Счёт на оплату 5.dat";
    let file = write_temp(&dir, name, &bytes);
    let cert = s.cert_path();
    // The session sends presence (status) so that a message to its own bare JID reaches it.
    let connect = serde_json::json!({
        "server": format!("127.0.0.1:{}", s.c2s), "status": "files"
    })
    .to_string();
    let (ok, lines) = host_calls(&[
        "--set".into(),
        format!("TrustedCertificates=S:@{}", cert.display()),
        "XmppConnect".into(),
        "s:alice@localhost".into(),
        "s:alicepw".into(),
        format!("s:{connect}"),
        "--then".into(),
        "XmppSendFile".into(),
        "s:bob@localhost".into(),
        format!("s:{}", file.display()),
        // no name: the path's own
        "--then".into(),
        "ОтправитьXMPPФайл".into(),
        "s:alice@localhost".into(),
        format!("s:{}", file.display()),
        "s:copy to self.dat".into(),
        "s:{\"type\": \"normal\"}".into(),
        "--then".into(),
        "XmppReceive".into(),
        "n:10".into(),
        "--then".into(),
        "XmppSendStatus".into(),
        "s:".into(),
        "--then".into(),
        "XmppDisconnect".into(),
    ]);
    assert!(ok, "{lines:?}");
    let to_bob = json_value(&lines[1]);
    let url = to_bob["url"].as_str().expect("url").to_owned();
    assert_eq!(to_bob["acked"], true, "{to_bob}");
    assert_eq!(
        to_bob.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["acked", "id", "url"]
    );
    assert_name(kind, &url, name);
    assert_eq!(download(s, &url), bytes);
    assert_received(s, &url);
    // Our own session received the second one: body the URL.
    let to_self = json_value(&lines[2]);
    let self_url = to_self["url"].as_str().unwrap();
    assert_name(kind, self_url, "copy to self.dat");
    let received = json_value(&lines[3]);
    let item = received
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["body"] == self_url)
        .unwrap_or_else(|| panic!("XmppReceive did not get {self_url}: {received}"));
    // The out-of-band element reaches 1C as `url` (XEP-0066), besides the body.
    assert_eq!(item["url"], self_url, "{item}");
    assert_eq!(download(s, self_url), bytes);
}

fn too_large_refused_before_upload(kind: Kind) {
    let _serial = one_at_a_time();
    let s = server(kind);
    let dir = support::temp_dir("xfiles-big");
    let bytes = binary(LIMIT + 1, 3);
    let file = write_temp(&dir, "big.bin", &bytes);
    let cert = s.cert_path();
    let before = stored(s);
    // The member, with ДвоичныеДанные, in Russian.
    let (ok, lines) = host_calls(&[
        "--lang".into(),
        "ru".into(),
        "--set".into(),
        format!("TrustedCertificates=S:@{}", cert.display()),
        "SendXmppFile".into(),
        "s:alice@localhost".into(),
        "s:alicepw".into(),
        "s:bob@localhost".into(),
        format!("X:@{}", file.display()),
        "s:".into(),
        format!("s:{}", opts(s, "starttls")),
    ]);
    assert!(!ok);
    let e = lines[0]["error"].as_str().unwrap();
    assert!(e.contains("[XMPP_UPLOAD_TOO_LARGE]"), "{e}");
    assert!(e.contains("1048576") && e.contains("1048577"), "{e}");
    assert!(e.contains("не отправлен"), "{e}");
    // The command line, with a path.
    let out = Command::new(env!("CARGO_BIN_EXE_messenger"))
        .arg("--trusted")
        .arg(&cert)
        .args(["xmpp", "send-file", "--jid", "alice@localhost", "--server"])
        .arg(format!("127.0.0.1:{}", s.c2s))
        .args(["--to", "bob@localhost"])
        .arg(&file)
        .env("XMPP_PASSWORD", "alicepw")
        .output()
        .expect("run messenger");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("[XMPP_UPLOAD_TOO_LARGE]"), "{err}");
    assert!(err.contains("at most 1048576 bytes"), "{err}");
    // Nothing reached the server's store.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(stored(s), before, "a refused file was uploaded");
}

fn untrusted_upload_certificate(kind: Kind) {
    let _serial = one_at_a_time();
    let s = server(kind);
    let dir = support::temp_dir("xfiles-untrusted");
    let file = write_temp(&dir, "a.bin", &binary(1000, 4));
    let before = stored(s);
    // XMPP without TLS (both servers allow it on loopback), the upload over https with the
    // self-signed certificate and no TrustedCertificates: refused, with what to do.
    let (ok, lines) = host_calls(&[
        "SendXmppFile".into(),
        "s:alice@localhost".into(),
        "s:alicepw".into(),
        "s:bob@localhost".into(),
        format!("s:{}", file.display()),
        "s:".into(),
        format!("s:{}", opts(s, "none")),
    ]);
    assert!(!ok);
    let e = lines[0]["error"].as_str().unwrap();
    assert!(e.contains("[XMPP_UPLOAD_TLS]"), "{e}");
    // The reason in our words (a self-signed certificate), not the TLS library's.
    assert!(
        e.contains("self-signed or issued by an authority this computer does not trust"),
        "{e}"
    );
    assert!(e.contains("TrustedCertificates"), "{e}");
    assert_eq!(stored(s), before);
    // The same through the command line, then trusted: it goes.
    let run = |trusted: bool| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_messenger"));
        if trusted {
            c.arg("--trusted").arg(s.cert_path());
        }
        c.args([
            "xmpp",
            "send-file",
            "--jid",
            "alice@localhost",
            "--tls",
            "none",
        ])
        .arg("--server")
        .arg(format!("127.0.0.1:{}", s.c2s))
        .args(["--to", "bob@localhost", "--name", "Проверка связи.bin"])
        .arg(&file)
        .env("XMPP_PASSWORD", "alicepw")
        .output()
        .expect("run messenger")
    };
    let refused = run(false);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("[XMPP_UPLOAD_TLS]") && err.contains("--trusted"),
        "{err}"
    );
    let sent = run(true);
    assert!(
        sent.status.success(),
        "{}",
        String::from_utf8_lossy(&sent.stderr)
    );
    let r: Value = serde_json::from_slice(&sent.stdout).expect("JSON result");
    let url = r["url"].as_str().unwrap();
    assert_eq!(r["acked"], true);
    assert_eq!(r["mechanism"], "SCRAM-SHA-256");
    assert_name(kind, url, "Проверка связи.bin");
    assert_eq!(download(s, url), binary(1000, 4));
    assert_received(s, url);
}

#[test]
fn ejabberd_blob_one_shot() {
    blob_one_shot(Kind::Ejabberd);
}

#[test]
fn prosody_blob_one_shot() {
    blob_one_shot(Kind::Prosody);
}

#[test]
fn ejabberd_path_in_session() {
    path_in_session(Kind::Ejabberd);
}

#[test]
fn prosody_path_in_session() {
    path_in_session(Kind::Prosody);
}

#[test]
fn ejabberd_too_large_refused_before_upload() {
    too_large_refused_before_upload(Kind::Ejabberd);
}

#[test]
fn prosody_too_large_refused_before_upload() {
    too_large_refused_before_upload(Kind::Prosody);
}

#[test]
fn ejabberd_untrusted_upload_certificate() {
    untrusted_upload_certificate(Kind::Ejabberd);
}

#[test]
fn prosody_untrusted_upload_certificate() {
    untrusted_upload_certificate(Kind::Prosody);
}
