//! The product's texts speak one voice: the protocol modules (cert, net, telegram, xmpp) name no
//! 1C member, since the add-in and the command line name those at the edge.

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
