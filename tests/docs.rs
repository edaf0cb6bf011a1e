//! The documentation kept true: the READMEs (README.md in Russian, README.en.md its twin) stay short and points at pages that exist, every
//! user page has its counterpart in the other language, and the reference lists every member the
//! built library shows 1C, by both names and with the parameter count 1C sees.
//! (The BSL examples and the extension's object names are checked by tests/extension.rs.)

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::{host, library};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(root().join(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// Every Markdown file of the README and docs/, as paths relative to the crate root.
fn markdown_files() -> Vec<String> {
    let mut files = vec!["README.md".to_string(), "README.en.md".to_string()];
    for dir in ["docs/ru", "docs/en", "docs/dev"] {
        let mut names: Vec<String> = std::fs::read_dir(root().join(dir))
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".md"))
            .map(|n| format!("{dir}/{n}"))
            .collect();
        names.sort();
        files.extend(names);
    }
    files
}

/// The targets of the inline links `[text](target)` of a Markdown text, outside code blocks.
fn links(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut in_code = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            match after.find(')') {
                Some(end) => {
                    found.push(after[..end].to_string());
                    rest = &after[end + 1..];
                }
                None => break,
            }
        }
    }
    found
}

#[test]
fn the_readmes_are_short_and_name_what_ships() {
    for name in ["README.md", "README.en.md"] {
        let readme = read(name);
        assert!(
            readme.len() <= 10 * 1024,
            "{name} is {} bytes; details belong in docs/",
            readme.len()
        );
        for needed in [
            "scripts/demo.sh",
            "scripts/test.sh",
            "scripts/build-release.sh",
            "glibc ≥ 2.17",
            "Windows 7 SP1",
            "```bsl",
        ] {
            assert!(readme.contains(needed), "{name} does not mention {needed}");
        }
    }
    assert!(read("README.md").contains("(README.en.md)"));
    assert!(read("README.en.md").contains("(README.md)"));
    // The scripts they name exist.
    for script in ["demo.sh", "test.sh", "build-release.sh", "extension.sh"] {
        assert!(
            root().join("scripts").join(script).is_file(),
            "no scripts/{script}"
        );
    }
}

#[test]
fn every_relative_link_reaches_a_file_and_every_anchor_exists() {
    let mut checked = 0;
    for file in markdown_files() {
        let text = read(&file);
        let dir = Path::new(&file)
            .parent()
            .unwrap_or(Path::new(""))
            .to_path_buf();
        for target in links(&text) {
            if target.starts_with("http://") || target.starts_with("https://") {
                continue;
            }
            let (path, anchor) = match target.split_once('#') {
                Some((p, a)) => (p.to_string(), Some(a.to_string())),
                None => (target.clone(), None),
            };
            let resolved: PathBuf = if path.is_empty() {
                PathBuf::from(&file)
            } else {
                dir.join(&path)
            };
            let full = root().join(&resolved);
            assert!(
                full.exists(),
                "{file}: the link ({target}) leads nowhere ({})",
                resolved.display()
            );
            if let Some(anchor) = anchor {
                let linked = std::fs::read_to_string(&full).unwrap_or_default();
                assert!(
                    linked.contains(&format!("name=\"{anchor}\"")),
                    "{file}: the anchor #{anchor} is not in {}",
                    resolved.display()
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 25, "too few links checked: {checked}");
}

#[test]
fn every_user_page_exists_in_both_languages() {
    let pages = |lang: &str| -> BTreeSet<String> {
        std::fs::read_dir(root().join("docs").join(lang))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".md"))
            .collect()
    };
    let (ru, en) = (pages("ru"), pages("en"));
    assert_eq!(ru, en, "docs/ru and docs/en differ");
    assert!(ru.len() >= 8, "too few pages: {ru:?}");
    // Each page is linked from the README in its language.
    for page in &ru {
        for (readme, lang) in [("README.md", "ru"), ("README.en.md", "en")] {
            assert!(
                read(readme).contains(&format!("(docs/{lang}/{page})")),
                "{readme} does not link docs/{lang}/{page}"
            );
        }
    }
}

/// The parameter count of a member as the reference writes it: `Name(a: T, b: T = ""): R`.
fn documented_params(reference: &str, name: &str) -> Option<usize> {
    let start = reference.find(&format!("`{name}("))? + name.len() + 2;
    let inner = &reference[start..start + reference[start..].find(')')?];
    Some(if inner.trim().is_empty() {
        0
    } else {
        inner.split(',').count()
    })
}

#[test]
fn the_reference_lists_every_member_by_both_names_with_its_parameters() {
    let out = std::process::Command::new(host())
        .arg(library())
        .arg("members")
        .output()
        .unwrap();
    assert!(out.status.success(), "the host could not list the members");
    let listing: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ru = read("docs/ru/reference.md");
    let en = read("docs/en/reference.md");
    let mut methods = 0;
    for method in listing["methods"].as_array().unwrap() {
        let params = method["params"].as_u64().unwrap() as usize;
        for (lang, reference, name) in [
            ("ru", &ru, method["ru"].as_str().unwrap()),
            ("en", &en, method["en"].as_str().unwrap()),
        ] {
            assert_eq!(
                documented_params(reference, name),
                Some(params),
                "docs/{lang}/reference.md: `{name}(…)` is missing or has the wrong parameter count \
                 (the library takes {params})"
            );
        }
        methods += 1;
    }
    assert!(methods >= 16, "too few methods listed: {methods}");
    for method in listing["methods"].as_array().unwrap() {
        let (ru_name, en_name) = (
            method["ru"].as_str().unwrap(),
            method["en"].as_str().unwrap(),
        );
        for readme in ["README.md", "README.en.md"] {
            let pair = if readme == "README.md" {
                format!("`{ru_name}` / `{en_name}`")
            } else {
                format!("`{en_name}` / `{ru_name}`")
            };
            assert!(
                read(readme).contains(&pair),
                "{readme} does not list {pair}"
            );
        }
    }
    for property in listing["properties"].as_array().unwrap() {
        let (ru_name, en_name) = (
            property["ru"].as_str().unwrap(),
            property["en"].as_str().unwrap(),
        );
        assert!(
            ru.contains(&format!("`{ru_name}`")) && ru.contains(&format!("`{en_name}`")),
            "docs/ru/reference.md does not describe the property {ru_name} ({en_name})"
        );
        assert!(
            en.contains(&format!("`{en_name}`")),
            "docs/en/reference.md does not describe the property {en_name}"
        );
    }
}
