//! Files both ways and polling against the Bot API stand-in, which checks multipart requests
//! the way the Bot API documents them and reports what it received (sizes, sha256, names):
//! byte-exact round trips, Cyrillic file names, limits refused before any request, a local
//! Bot API server's absolute file_path, offsets across a simulated crash, and the 409 while a
//! webhook is set. The add-in's side (BinaryData in and out of the C++ host) is at the end.

mod support;

use std::time::Duration;

use messenger::i18n::{Lang, Localized};
use messenger::telegram::{Error, FileSource, Limit, TransferError, UpdatesOptions};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use support::telegram::*;

const TOKEN: &str = "123456:AAHfilesSecret_-x";
const SECRET: &str = "AAHfilesSecret_-x";

fn sha(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Bytes with zeros, every byte value and a pattern, so that a text-mode or NUL-terminated
/// path anywhere would change them.
fn nasty_bytes(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| if i % 7 == 0 { 0 } else { (i * 31 % 256) as u8 })
        .collect()
}

/// The stand-in's test-only paths (not Bot API): seed a file, queue updates.
fn post(s: &StandIn, path: &str, body: Vec<u8>) -> Value {
    let client =
        messenger::net::http::client(&s.settings(Duration::from_secs(30)), Default::default())
            .unwrap();
    let r = client
        .post(format!("{}{path}", s.base_url()))
        .body(body)
        .send()
        .unwrap();
    r.json().unwrap()
}

fn seed(s: &StandIn, name: &str, data: &[u8]) -> String {
    post(s, &format!("/seed?name={name}"), data.to_vec())["file_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn inject(s: &StandIn, token: &str, updates: Value) {
    post(
        s,
        &format!("/inject?token={token}"),
        updates.to_string().into_bytes(),
    );
}

fn telegram_requests(s: &StandIn) -> Vec<Value> {
    s.requests()
}

#[test]
fn a_blob_goes_byte_exact_with_its_cyrillic_name_and_comes_back_the_same() {
    let s = StandIn::start();
    let api = s.api();
    for data in [nasty_bytes(300_000), Vec::new(), vec![0u8; 1000]] {
        let msg = api
            .send_file(
                TOKEN,
                "-1001234567890",
                FileSource::Bytes(data.clone().into()),
                Some("Счёт № 15 от 1 мая.pdf"),
                &obj(json!({"caption": "Счёт", "parse_mode": "HTML"})),
            )
            .unwrap();
        let doc = &msg["document"];
        assert_eq!(
            doc["sha256"],
            sha(&data),
            "the stand-in received other bytes"
        );
        assert_eq!(doc["file_size"], data.len());
        assert_eq!(doc["file_name"], "Счёт № 15 от 1 мая.pdf");
        assert_eq!(doc["mime_type"], "application/pdf");
        assert_eq!(msg["caption"], "Счёт");
        let back = api
            .download_file(TOKEN, doc["file_id"].as_str().unwrap())
            .unwrap();
        assert_eq!(sha(&back), sha(&data), "the download differs");
    }
    let reqs = telegram_requests(&s);
    let upload = &reqs[0];
    assert_eq!(upload["method"], "sendDocument");
    assert_eq!(upload["content_type"], "multipart/form-data");
    assert_eq!(upload["params"]["chat_id"], "-1001234567890");
    assert_eq!(
        upload["files"]["document"]["filename"],
        "Счёт № 15 от 1 мая.pdf"
    );
}

#[test]
fn a_path_is_sent_under_its_own_name_and_other_methods_use_their_field() {
    let s = StandIn::start();
    let dir = TempDir::new("files-path");
    let path = dir.path("фото отпуска.JPG");
    let data = nasty_bytes(2_000_000);
    std::fs::write(&path, &data).unwrap();
    let msg = s
        .api()
        .send_file(
            TOKEN,
            "42",
            FileSource::from_text(path.to_str().unwrap()).unwrap(),
            None,
            &obj(json!({"method": "sendPhoto"})),
        )
        .unwrap();
    assert_eq!(msg["photo"]["sha256"], sha(&data));
    assert_eq!(msg["photo"]["file_name"], "фото отпуска.JPG");
    assert_eq!(msg["photo"]["mime_type"], "image/jpeg");
    // A file_id and a URL go as strings for Telegram to fetch; no multipart.
    let id = seed(&s, "a.txt", b"hello");
    let msg = s
        .api()
        .send_file(
            TOKEN,
            "42",
            FileSource::from_text(&id).unwrap(),
            None,
            &Map::new(),
        )
        .unwrap();
    assert_eq!(msg["document"]["sha256"], sha(b"hello"));
    let reqs = telegram_requests(&s);
    assert_eq!(reqs.last().unwrap()["content_type"], "application/json");
    assert_eq!(reqs.last().unwrap()["params"]["document"], id);
    // Not a send method, a directory, a missing file: refused before any request.
    let before = telegram_requests(&s).len();
    let api = s.api();
    let err = api
        .send_file(
            TOKEN,
            "42",
            FileSource::Bytes(vec![1].into()),
            None,
            &obj(json!({"method": "sendMessage"})),
        )
        .unwrap_err();
    assert_eq!(err.code(), "TELEGRAM_FILE_METHOD");
    let err = api
        .send_file(
            TOKEN,
            "42",
            FileSource::Path(dir.0.to_string_lossy().into()),
            None,
            &Map::new(),
        )
        .unwrap_err();
    assert_eq!(err.code(), "TELEGRAM_FILE_NOT_REGULAR", "{err}");
    let err = api
        .send_file(
            TOKEN,
            "42",
            FileSource::Path(dir.path("нет.pdf").to_string_lossy().into()),
            None,
            &Map::new(),
        )
        .unwrap_err();
    assert_eq!(err.code(), "TELEGRAM_FILE_NOT_FOUND", "{err}");
    assert!(err.message(Lang::Ru).contains("нет.pdf"));
    assert_eq!(telegram_requests(&s).len(), before);
}

#[test]
fn a_file_over_the_limit_is_refused_before_any_request_naming_the_limit() {
    let s = StandIn::start();
    let dir = TempDir::new("files-limit");
    // A sparse file one byte over a local Bot API server's 2000 MB: no disk space used.
    let path = dir.path("big.bin");
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(Limit::LocalUpload.bytes() + 1).unwrap();
    drop(f);
    let err = s
        .api()
        .send_file(
            TOKEN,
            "42",
            FileSource::Path(path.to_string_lossy().into()),
            None,
            &Map::new(),
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transfer(TransferError::TooLarge {
                limit: Limit::LocalUpload,
                ..
            })
        ),
        "{err:?}"
    );
    assert!(err.message(Lang::En).contains("2000 MB"), "{err}");
    assert!(err.message(Lang::Ru).contains("2000 МБ"));
    // The same inside CallTelegram's parameters.
    let err = s
        .api()
        .call(
            TOKEN,
            "sendDocument",
            &obj(json!({"chat_id": 1, "document": {"file": path.to_str().unwrap()}})),
        )
        .unwrap_err();
    assert_eq!(err.code(), "TELEGRAM_FILE_TOO_LARGE");
    assert!(
        telegram_requests(&s).is_empty(),
        "the stand-in saw a request"
    );
}

#[test]
fn call_telegram_uploads_file_values_and_resolves_attach_references() {
    let s = StandIn::start();
    let dir = TempDir::new("files-call");
    let a = dir.path("первый файл.txt");
    std::fs::write(&a, b"one\0one").unwrap();
    let b = nasty_bytes(5000);
    let b64 = base64_encode(&b);
    let r = s
        .api()
        .call(
            TOKEN,
            "sendMediaGroup",
            &obj(json!({
                "chat_id": 42,
                "media": [
                    {"type": "document", "media": {"file": a.to_str().unwrap()}},
                    {"type": "document", "media": "attach://second"}
                ],
                "second": {"file_base64": b64, "name": "второй.bin"}
            })),
        )
        .unwrap();
    assert_eq!(r[0]["document"]["sha256"], sha(b"one\0one"));
    assert_eq!(r[0]["document"]["file_name"], "первый файл.txt");
    assert_eq!(r[1]["document"]["sha256"], sha(&b));
    assert_eq!(r[1]["document"]["file_name"], "второй.bin");
    // A dangling attach:// is refused here rather than by Telegram.
    let err = s
        .api()
        .call(
            TOKEN,
            "sendMediaGroup",
            &obj(json!({
                "chat_id": 42,
                "media": [{"type": "document", "media": "attach://nope"},
                          {"type": "document", "media": {"file": a.to_str().unwrap()}}]
            })),
        )
        .unwrap_err();
    assert_eq!(err.code(), "TELEGRAM_ATTACH_MISSING");
    assert_eq!(telegram_requests(&s).len(), 1);
}

fn base64_encode(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}

#[test]
fn downloads_are_byte_exact_bounded_and_read_from_disk_for_a_local_server() {
    let s = StandIn::start();
    let data = nasty_bytes(1_500_000);
    let id = seed(&s, "x.bin", &data);
    let back = s.api().download_file(TOKEN, &id).unwrap();
    assert_eq!(back.len(), data.len());
    assert_eq!(sha(&back), sha(&data));
    // A local Bot API server answers an absolute file_path and serves nothing over HTTP.
    let local = "123456:localServer_x";
    let back = s.api().download_file(local, &id).unwrap();
    assert_eq!(sha(&back), sha(&data));
    let downloads: Vec<_> = read_log(&s.log)
        .into_iter()
        .filter(|r| r["event"] == "download")
        .collect();
    assert_eq!(
        downloads.len(),
        1,
        "the local file went over HTTP: {downloads:?}"
    );
    // Over 20 MB Telegram's getFile refuses; the error names the cloud limit.
    let big = seed(&s, "big.bin", &vec![7u8; 21 * 1024 * 1024]);
    let err = s.api().download_file(TOKEN, &big).unwrap_err();
    assert!(err.message(Lang::En).contains("20 MB"), "{err}");
    assert!(err.message(Lang::Ru).contains("20 МБ"), "{err}");
    assert_no_secret(&err, SECRET);
    let err = s.api().download_file(TOKEN, "no-such-file").unwrap_err();
    assert_no_secret(&err, SECRET);
}

#[test]
fn offsets_reread_a_batch_after_a_crash_and_never_give_an_update_twice_once_stored() {
    let s = StandIn::start();
    let api = s.api();
    let none = UpdatesOptions::default();
    inject(
        &s,
        TOKEN,
        json!([{"message": {"text": "1"}}, {"message": {"text": "2"}}, {"message": {"text": "3"}}]),
    );
    let first = api.get_updates(TOKEN, 0, 0, &none).unwrap();
    let ids = |v: &Value| -> Vec<i64> {
        v["updates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["update_id"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(ids(&first).len(), 3);
    // The 1C code crashed before storing next_offset: the same batch comes again.
    let again = api.get_updates(TOKEN, 0, 0, &none).unwrap();
    assert_eq!(ids(&again), ids(&first));
    let stored = first["next_offset"].as_i64().unwrap();
    assert_eq!(stored, ids(&first).last().unwrap() + 1);
    // With next_offset stored: nothing twice, and the next ones arrive.
    inject(
        &s,
        TOKEN,
        json!([{"message": {"text": "4"}}, {"message": {"text": "5"}}]),
    );
    let limited = UpdatesOptions {
        limit: Some(1),
        allowed_updates: Some(vec!["message".into()]),
    };
    let next = api.get_updates(TOKEN, stored, 0, &limited).unwrap();
    assert_eq!(ids(&next), vec![stored]);
    let rest = api
        .get_updates(TOKEN, next["next_offset"].as_i64().unwrap(), 0, &none)
        .unwrap();
    assert_eq!(ids(&rest), vec![stored + 1]);
    let empty = api
        .get_updates(TOKEN, rest["next_offset"].as_i64().unwrap(), 0, &none)
        .unwrap();
    assert!(ids(&empty).is_empty());
    assert_eq!(empty["next_offset"], rest["next_offset"]);
    // Long polling: an update that comes while the request waits is returned.
    let token = TOKEN.to_owned();
    let s2 = &s;
    std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(Duration::from_millis(700));
            inject(s2, &token, json!([{"message": {"text": "late"}}]));
        });
        let late = api
            .get_updates(TOKEN, empty["next_offset"].as_i64().unwrap(), 5, &none)
            .unwrap();
        assert_eq!(late["updates"][0]["message"]["text"], "late");
    });
    let bad = api
        .get_updates(
            TOKEN,
            0,
            0,
            &UpdatesOptions {
                limit: Some(101),
                allowed_updates: None,
            },
        )
        .unwrap_err();
    assert_eq!(bad.code(), "TELEGRAM_UPDATES_LIMIT");
}

#[test]
fn polling_while_a_webhook_is_set_is_a_409_that_names_delete_webhook() {
    let s = StandIn::start();
    let api = s.api();
    api.call(
        TOKEN,
        "setWebhook",
        &obj(json!({"url": "https://127.0.0.1:8443/hook"})),
    )
    .unwrap();
    let err = api
        .get_updates(TOKEN, 0, 0, &UpdatesOptions::default())
        .unwrap_err();
    assert_eq!(err.code(), "TELEGRAM_POLLING_CONFLICT");
    // The library names Telegram's own method; each face names its own (below, the add-in).
    assert!(
        err.to_string()
            .contains("Delete the webhook (deleteWebhook), then poll"),
        "{err}"
    );
    // Through the add-in, in both languages, the member to call is named.
    for (lang, member) in [("en", "DeleteWebhook"), ("ru", "УдалитьWebhook")] {
        let out = host_call(
            &s,
            lang,
            None,
            &["GetTelegramUpdates", &format!("s:{TOKEN}"), "n:0", "n:0"],
        );
        let error = out["error"].as_str().unwrap();
        assert!(
            error.starts_with("[TELEGRAM_POLLING_CONFLICT]") && error.contains(member),
            "{error}"
        );
    }
}

/// One call through the C++ host, as 1C makes it, with TelegramApiUrl on the stand-in.
fn host_call(s: &StandIn, lang: &str, blob_out: Option<&str>, call: &[&str]) -> Value {
    let dir = support::temp_dir("tgfiles-host");
    let pem = dir.join("standin.pem");
    std::fs::write(&pem, &s.cert_pem).unwrap();
    let mut cmd = std::process::Command::new(support::host());
    cmd.arg(support::library())
        .arg("call")
        .args(["--lang", lang]);
    if let Some(out) = blob_out {
        cmd.args(["--blob-out", out]);
    }
    cmd.args(["--set", &format!("TelegramApiUrl=s:{}", s.base_url())])
        .args([
            "--set",
            &format!("TrustedCertificates=S:@{}", pem.to_str().unwrap()),
        ])
        .args(call);
    let out = cmd.output().unwrap();
    let line = String::from_utf8_lossy(&out.stdout);
    let v: Value = serde_json::from_str(line.trim())
        .unwrap_or_else(|e| panic!("host said {line:?} ({e}); stderr {:?}", out.stderr));
    assert_eq!(v["memory_balanced"], true, "{v}");
    v
}

#[test]
fn binary_data_crosses_the_c_abi_both_ways_byte_exact() {
    let s = StandIn::start();
    let dir = TempDir::new("files-host");
    for (name, data) in [
        ("zeros", vec![0u8; 4096]),
        ("empty", Vec::new()),
        ("nasty", nasty_bytes(3_000_000)),
    ] {
        let input = dir.path(&format!("{name}.in"));
        std::fs::write(&input, &data).unwrap();
        let sent = host_call(
            &s,
            "en",
            None,
            &[
                "SendTelegramFile",
                &format!("s:{TOKEN}"),
                "s:-100500",
                &format!("X:@{}", input.to_str().unwrap()),
                "s:Отчёт за май.bin",
            ],
        );
        assert_eq!(sent["ok"], true, "{sent}");
        let msg: Value = serde_json::from_str(sent["value"].as_str().unwrap()).unwrap();
        assert_eq!(
            msg["document"]["sha256"],
            sha(&data),
            "{name}: BLOB → stand-in"
        );
        assert_eq!(msg["document"]["file_name"], "Отчёт за май.bin");
        let output = dir.path(&format!("{name}.out"));
        let got = host_call(
            &s,
            "en",
            Some(output.to_str().unwrap()),
            &[
                "DownloadTelegramFile",
                &format!("s:{TOKEN}"),
                &format!("s:{}", msg["document"]["file_id"].as_str().unwrap()),
            ],
        );
        assert_eq!(got["ok"], true, "{got}");
        assert_eq!(got["vt"], 23, "not a BLOB variant: {got}");
        let back = std::fs::read(&output).unwrap();
        assert_eq!(sha(&back), sha(&data), "{name}: stand-in → BLOB");
    }
}
