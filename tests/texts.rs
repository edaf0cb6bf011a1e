//! The product's texts speak one voice: the protocol modules (cert, net, telegram, xmpp) name no
//! 1C member, since the add-in and the command line name those at the edge.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};

use messenger::addin::{Kind, METHODS, PROPERTIES};

/// The string literals of a Rust source (comments and the `#[cfg(test)] mod tests` part left
/// out), each with its line. Enough of Rust's lexing for our own sources: comments, char
/// literals and lifetimes, raw and byte strings.
fn string_literals(source: &str) -> Vec<(usize, String)> {
    let source = match source.find("#[cfg(test)]\nmod tests") {
        Some(cut) => &source[..cut],
        None => source,
    };
    let s: Vec<char> = source.chars().collect();
    let line_at = |i: usize| s[..i].iter().filter(|c| **c == '\n').count() + 1;
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        let ident_before = i > 0 && (s[i - 1].is_alphanumeric() || s[i - 1] == '_');
        if c == '/' && s.get(i + 1) == Some(&'/') {
            while i < s.len() && s[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && s.get(i + 1) == Some(&'*') {
            i += 2;
            while i + 1 < s.len() && !(s[i] == '*' && s[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == '\'' {
            // '\n', '"', 'x' are characters; 'a (no closing quote two on) is a lifetime.
            if s.get(i + 1) == Some(&'\\') {
                i += 2;
                while i < s.len() && s[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if s.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
            }
        } else if !ident_before && (c == 'r' || (c == 'b' && s.get(i + 1) == Some(&'r'))) && {
            let mut j = i + if c == 'b' { 2 } else { 1 };
            while s.get(j) == Some(&'#') {
                j += 1;
            }
            s.get(j) == Some(&'"')
        } {
            let start = i;
            i += if c == 'b' { 2 } else { 1 };
            let mut hashes = 0;
            while s[i] == '#' {
                hashes += 1;
                i += 1;
            }
            i += 1;
            let body = i;
            loop {
                if s[i] == '"' && (0..hashes).all(|k| s.get(i + 1 + k) == Some(&'#')) {
                    break;
                }
                i += 1;
            }
            out.push((line_at(start), s[body..i].iter().collect()));
            i += 1 + hashes;
        } else if c == '"' {
            let start = i;
            i += 1;
            let mut text = String::new();
            while s[i] != '"' {
                if s[i] == '\\' {
                    text.push(s[i]);
                    i += 1;
                }
                text.push(s[i]);
                i += 1;
            }
            out.push((line_at(start), text));
            i += 1;
        } else {
            i += 1;
        }
    }
    out
}

/// The 1C names a protocol module's text must not hold: every property and method in both
/// languages, the options parameter, and the parameters whose names are 1C identifiers rather
/// than words (`ChatId`, `ИдентификаторЧата`; `Text` or `Файл` start sentences too).
fn member_names() -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for p in PROPERTIES {
        names.extend([p.name.en.to_owned(), p.name.ru.to_owned()]);
    }
    for m in METHODS {
        names.extend([m.name.en.to_owned(), m.name.ru.to_owned()]);
        for p in m.params {
            for name in [p.name.en, p.name.ru] {
                let capitals = name.chars().filter(|c| c.is_uppercase()).count();
                let identifier = capitals >= 2 && name.chars().any(char::is_lowercase);
                if identifier || p.kind == Kind::JsonObject {
                    names.push(name.to_owned());
                }
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

/// Where `name` stands in `text` as a word of its own (case matters: `proxy` and `setWebhook`
/// are words and Bot API names, `Proxy` and `SetWebhook` are 1C's). A Russian plural also in its
/// other cases (`Параметрах`, `Параметров`).
fn names_it(text: &str, name: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    let stem = name.strip_suffix('ы').unwrap_or(name);
    text.match_indices(stem).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let rest = &text[at + stem.len()..];
        let rest = if stem.len() < name.len() {
            rest.trim_start_matches(|c: char| ('а'..='я').contains(&c))
        } else {
            rest
        };
        !before.is_some_and(word) && !rest.chars().next().is_some_and(word)
    })
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Literals that spell a member's name but are no 1C name: the proxy's Debug form, HTTP's own
/// reason phrase.
const NOT_MESSAGES: &[(&str, &str)] = &[
    ("src/net/proxy.rs", "Proxy({self})"),
    (
        "src/telegram/mod.rs",
        "HTTP 407 Proxy Authentication Required",
    ),
];

#[test]
fn protocol_modules_name_no_1c_member() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let names = member_names();
    assert!(names.iter().any(|n| n == "УстановитьWebhook"), "{names:?}");
    assert!(names.iter().any(|n| n == "Параметры"), "{names:?}");
    let mut files = Vec::new();
    for dir in ["src/cert", "src/net", "src/telegram", "src/xmpp"] {
        rust_files(&root.join(dir), &mut files);
    }
    files.sort();
    let mut found = Vec::new();
    let mut literals = 0;
    for file in &files {
        let relative = file
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let source = std::fs::read_to_string(file).unwrap();
        for (line, text) in string_literals(&source) {
            literals += 1;
            if NOT_MESSAGES.contains(&(relative.as_str(), text.as_str())) {
                continue;
            }
            for name in &names {
                if names_it(&text, name) {
                    found.push(format!("{relative}:{line}: {name} in {text:?}"));
                }
            }
        }
    }
    assert!(literals > 1000, "only {literals} literals read");
    assert!(
        found.is_empty(),
        "protocol texts name 1C members (say it in words, let the edge name it through \
         net::Names):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_scanner_finds_names_and_skips_comments() {
    let source = r##"
// SetWebhook in a comment
let a = 'x'; let b = '"'; fn f<'a>(x: &'a str) {}
let t = "снова вызовите УстановитьWebhook";
let r = r#"in "Параметрах" too"#;
let s = "setWebhook is Telegram's";
"##;
    let literals = string_literals(source);
    let texts: Vec<&str> = literals.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(
        texts,
        [
            "снова вызовите УстановитьWebhook",
            r#"in "Параметрах" too"#,
            "setWebhook is Telegram's"
        ]
    );
    assert_eq!(literals[0].0, 4);
    assert!(names_it(texts[0], "УстановитьWebhook"));
    assert!(names_it(texts[1], "Параметры"));
    assert!(!names_it(texts[2], "SetWebhook"));
    assert!(!names_it("Proxy-Authorization: Basic", "Proxy"));
    assert!(!names_it("параметрах", "Параметры"));
}

/// English a parser, the HTTP client or the system says, which a Russian text must not carry.
const ENGLISH_PHRASES: &[&str] = &[
    "error sending request",
    "tcp connect error",
    "Connection refused",
    "os error",
    "expected value",
    "at line",
    "column",
    "unknown field",
    "invalid type",
    "missing field",
    "duplicate field",
    "relative URL",
    "EOF",
    "invalid",
    "trailing",
    "UnknownIssuer",
];

/// Three English words in a row: somebody else's sentence.
fn english_run(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    words
        .windows(3)
        .find(|w| {
            w.iter().all(|t| {
                let t = t.trim_end_matches([',', '.', ':', ';', ')']);
                t.len() > 1 && t.chars().all(|c| c.is_ascii_alphabetic())
            })
        })
        .map(|w| w.join(" "))
}

use messenger::i18n::latin_words;

#[test]
fn russian_texts_of_bad_input_and_failed_calls_carry_no_english() {
    use messenger::addin::{Messenger, Value};
    let mut m = Messenger::new();
    m.set_locale("ru_RU");
    let s = |t: &str| Value::Str(t.to_owned());
    let mut texts: Vec<(String, String)> = Vec::new();
    let mut set = |m: &mut Messenger, property: &str, value: Value| {
        let index = m.find_prop(property).expect(property) as i64;
        let text = m.set_prop(index, value).expect_err(property);
        texts.push((format!("{property} ="), text));
    };
    for url in [
        "api.telegram.org",
        "http://",
        "https://[::1",
        "https://h:99999",
    ] {
        set(&mut m, "АдресTelegramAPI", s(url));
    }
    for proxy in ["http//x", "socks9://h:1", "http://h:99999", "http://[::1"] {
        set(&mut m, "Прокси", s(proxy));
    }
    for pem in [
        "-----BEGIN CERTIFICATE-----\nxx\n-----END CERTIFICATE-----",
        "garbage",
    ] {
        set(&mut m, "ДоверенныеСертификаты", s(pem));
    }
    // Every call goes to loopback, where nothing listens on port 1: the HTTP client's and the
    // system's English.
    let timeout = m.find_prop("Таймаут").unwrap() as i64;
    m.set_prop(timeout, Value::Int(5)).unwrap();
    let api = m.find_prop("АдресTelegramAPI").unwrap() as i64;
    m.set_prop(api, s("http://127.0.0.1:1")).unwrap();
    let mut call = |m: &mut Messenger, method: &str, args: Vec<Value>| {
        let index = m.find_method(method).expect(method) as i64;
        let text = m.call(index, &args).expect_err(method);
        texts.push((method.to_owned(), text));
    };
    for options in [
        "{",
        "[1]",
        "{\"parse_mode\": 1}",
        "{\"a\": 1}",
        "{\"a\": 1, \"a\": 2}",
        "nope",
    ] {
        let args = vec![s("123:abc"), s("1"), s("text"), s(options)];
        call(&mut m, "ОтправитьTelegram", args);
    }
    call(
        &mut m,
        "СоздатьСертификат",
        vec![s("cn"), s("/nonexistent"), s(""), s("{\"days\": \"x\"}")],
    );
    for url in ["ftp://x/y", "https://[bad/"] {
        call(&mut m, "УстановитьWebhook", vec![s("123:abc"), s(url)]);
    }
    call(
        &mut m,
        "ПолучитьИнформациюWebhook",
        vec![s("123456:AAH-secret")],
    );
    call(
        &mut m,
        "ОтправитьXMPP",
        vec![
            s("a@localhost"),
            s("password"),
            s("b@localhost"),
            s("text"),
            s("{\"server\": \"127.0.0.1:1\"}"),
        ],
    );
    // Fake XMPP servers on loopback that break the protocol: each reaches one of our own
    // reasons (ProtocolReason, SaslReason), which once were English strings in Russian texts.
    const HEADER: &str = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
        xmlns:stream='http://etherx.jabber.org/streams' id='fake' from='localhost' version='1.0'>";
    const SCRAM: &str = "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\
        <mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>";
    let answers: [(&str, String); 5] = [
        // not well-formed XML (the parser's English)
        ("malformed", "<stream:features><a></b></stream:features>".into()),
        // something else where the stream's features belong
        ("no features", "<message/>".into()),
        // an element SASL does not have, during the login
        ("in SASL", format!("{SCRAM}<iq xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")),
        // a challenge that is not base64
        ("not base64", format!("{SCRAM}<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>@@not base64@@</challenge>")),
        // a SCRAM server-first without its nonce (r=): SaslReason::Missing
        ("no nonce", format!("{SCRAM}<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>cz1zYWx0LGk9NDA5Ng==</challenge>")),
    ];
    for (what, answer) in answers {
        let port = support::net::serve_one(move |mut s| {
            support::net::read_until(&mut s, "version");
            let _ = s.write_all(format!("{HEADER}{answer}").as_bytes());
            support::net::read_until(&mut s, "never");
        });
        let options = format!(
            r#"{{"server": "127.0.0.1:{port}", "tls": "none", "mechanisms": ["SCRAM-SHA-1"]}}"#
        );
        let index = m.find_method("ОтправитьXMPP").unwrap() as i64;
        let args = [
            s("a@localhost"),
            s("password"),
            s("b@localhost"),
            s("text"),
            s(&options),
        ];
        let text = m.call(index, &args).expect_err(what);
        assert!(latin_words(&text).is_empty(), "{what}: {text}");
        texts.push((format!("ОтправитьXMPP ({what})"), text));
    }
    // TLS to a port that answers in plain text: the TLS reason, in Russian (Telegram's text
    // starts with its URL, the rest is ours).
    let plain = || {
        support::net::serve_one(|mut s| {
            let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n");
            support::net::read_until(&mut s, "never");
        })
    };
    let index = m.find_method("ОтправитьXMPP").unwrap() as i64;
    let options = format!(r#"{{"server": "127.0.0.1:{}", "tls": "direct"}}"#, plain());
    let args = [
        s("a@localhost"),
        s("password"),
        s("b@localhost"),
        s("x"),
        s(&options),
    ];
    let text = m.call(index, &args).expect_err("direct TLS to plain text");
    assert!(text.starts_with("[XMPP_TLS]"), "{text}");
    assert!(latin_words(&text).is_empty(), "{text}");
    texts.push(("ОтправитьXMPP (plain text for TLS)".into(), text));
    m.set_prop(api, s(&format!("https://127.0.0.1:{}", plain())))
        .unwrap();
    let telegram = m.find_method("ОтправитьTelegram").unwrap() as i64;
    let args = [s("123:abc"), s("1"), s("x"), s("")];
    let text = m.call(telegram, &args).expect_err("HTTPS to plain text");
    let ours = &text[text.find("ошибка TLS").expect(&text)..];
    assert!(latin_words(ours).is_empty(), "{text}");
    texts.push(("ОтправитьTelegram (plain text for TLS)".into(), text));
    // A proxy that refuses: its status in our words, its own phrase quoted as its words.
    let proxy = support::net::serve_one(|mut s| {
        support::net::read_until(&mut s, "\r\n\r\n");
        let _ = s.write_all(b"HTTP/1.1 403 Forbidden\r\n\r\n");
    });
    let at = m.find_prop("Прокси").unwrap() as i64;
    m.set_prop(at, s(&format!("http://127.0.0.1:{proxy}")))
        .unwrap();
    let options = r#"{"server": "127.0.0.1:5222"}"#;
    let args = [
        s("a@localhost"),
        s("password"),
        s("b@localhost"),
        s("x"),
        s(options),
    ];
    let text = m.call(index, &args).expect_err("a refusing proxy");
    assert!(
        text.ends_with("отказался соединять дальше: он ответил 403, по его словам \"Forbidden\""),
        "{text}"
    );
    texts.push(("ОтправитьXMPP (a refusing proxy)".into(), text));
    let mut bad = Vec::new();
    for (what, text) in &texts {
        assert!(text.starts_with('['), "{what}: {text}");
        assert!(!text.contains("secret"), "{what}: {text}");
        let phrase = ENGLISH_PHRASES.iter().find(|p| text.contains(*p));
        if let Some(english) = phrase.map(|p| p.to_string()).or_else(|| english_run(text)) {
            bad.push(format!("{what}: «{english}» in {text}"));
        }
    }
    assert!(texts.len() >= 20, "{texts:?}");
    let codes: Vec<&str> = texts
        .iter()
        .filter_map(|(_, t)| t.strip_prefix('[')?.split(']').next())
        .collect();
    for code in [
        "TELEGRAM_NET_REFUSED",
        "XMPP_NETWORK",
        "ARG_OPTIONS",
        "PROP_API_URL",
        "XMPP_PROTOCOL",
        "XMPP_SERVER_NOT_AUTHENTICATED",
        "XMPP_TLS",
        "TELEGRAM_NET_TLS",
        "XMPP_PROXY",
    ] {
        assert!(codes.contains(&code), "{code} not among {codes:?}");
    }
    assert!(
        bad.is_empty(),
        "Russian texts with English in them:\n{}",
        bad.join("\n")
    );
}
