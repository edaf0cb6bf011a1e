//! The documentation kept true: the READMEs (README.md in Russian, README.en.md its twin) stay short and points at pages that exist, every
//! user page has its counterpart in the other language, and the reference lists every member the
//! built library shows 1C, by both names and with the parameter count 1C sees.
//! (The BSL examples and the extension's object names are checked by tests/extension.rs.)

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use support::{host, library, root};

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

/// The repository paths a developer page names in backticks (`src/…`, `scripts/…`, `tests/…`,
/// …), `<…>` placeholders and globs left out.
fn named_paths(text: &str) -> Vec<String> {
    const ROOTS: [&str; 7] = [
        "src/",
        "scripts/",
        "tests/",
        "include/",
        "manifest/",
        "extension/",
        "docs/",
    ];
    text.split('`')
        .skip(1)
        .step_by(2)
        .flat_map(|code| code.split([' ', ',', '(', ')']))
        .filter(|w| ROOTS.iter().any(|r| w.starts_with(r)))
        .filter(|w| !w.contains(['<', '*', '…']))
        .map(|w| w.trim_end_matches(['.', ':', ';']).to_string())
        .collect()
}

#[test]
fn the_developer_pages_name_what_exists_and_all_of_src_and_the_benchmarks() {
    let mut named = 0;
    for file in markdown_files()
        .iter()
        .filter(|f| f.starts_with("docs/dev/"))
    {
        for path in named_paths(&read(file)) {
            assert!(
                root().join(&path).exists(),
                "{file} names {path}, which does not exist"
            );
            named += 1;
        }
    }
    assert!(named >= 40, "too few paths checked: {named}");

    // Every file and folder of src/ (and every file of each folder) has its place on the
    // architecture page, by its path or, inside its folder's row, by its name.
    let architecture = read("docs/dev/architecture.md");
    let mut entries: Vec<PathBuf> = Vec::new();
    for entry in std::fs::read_dir(root().join("src")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            for inner in std::fs::read_dir(&path).unwrap() {
                entries.push(inner.unwrap().path());
            }
        }
        entries.push(path);
    }
    for path in entries {
        let relative = path
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        // A folder is named by its path or by a path inside it.
        let shown = if path.is_dir() {
            format!("`{relative}/")
        } else {
            format!("`{relative}`")
        };
        let by_name = format!("`{name}`");
        let inner_mod = name == "mod.rs";
        assert!(
            architecture.contains(&shown)
                || (!path.parent().unwrap().ends_with("src")
                    && (architecture.contains(&by_name) || inner_mod))
                || (path.is_dir() && architecture.contains(&format!("`{name}/`"))),
            "docs/dev/architecture.md does not say what {relative} holds"
        );
    }

    // Every benchmark script is listed, and every figure has its date.
    let benchmarks = read("docs/dev/benchmarks.md");
    for entry in std::fs::read_dir(root().join("scripts/bench")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            benchmarks.contains(&format!("`scripts/bench/{name}")),
            "docs/dev/benchmarks.md does not list scripts/bench/{name}"
        );
    }
    let figures = benchmarks
        .split("\n## Figures\n")
        .nth(1)
        .expect("benchmarks.md has a Figures section");
    let headings: Vec<&str> = figures.lines().filter(|l| l.starts_with("### ")).collect();
    assert!(!headings.is_empty(), "no dated figures");
    for heading in headings {
        let date = heading[4..].split(':').next().unwrap_or_default();
        let shape = date.len() == 10
            && date.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                _ => b.is_ascii_digit(),
            });
        assert!(
            shape,
            "a figure without its date (YYYY-MM-DD: …): {heading}"
        );
    }
    assert!(
        figures.lines().all(|l| !l.starts_with("## ")),
        "a section after Figures would hold undated figures"
    );
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

/// Every `.rs` file under `dir`, recursively, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|x| x == "rs") {
            files.push(path);
        }
    }
    files
}

/// Whether `s` has the shape of an error code: upper-case letters and digits, starting with a
/// letter, at least two characters (`INTERNAL`, `ARG_TYPE`).
fn code_shaped(s: &str) -> bool {
    s.len() >= 2
        && s.starts_with(|c: char| c.is_ascii_uppercase())
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && !s.ends_with('_')
        && !s.contains("__")
}

/// The string literals of a piece of Rust source (no escapes needed: codes have none).
fn string_literals(source: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = source;
    while let Some(start) = rest.find('"') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('"') else { break };
        found.push(&after[..end]);
        rest = &after[end + 1..];
    }
    found
}

/// Every error code the code can produce: the code-shaped string literals in the bodies of
/// `fn code(&self)` (the `Localized` implementations and the add-in's interface problems),
/// each body found by counting braces from its opening one.
fn error_codes_in_source() -> BTreeSet<String> {
    let mut codes = BTreeSet::new();
    let mut bodies = 0;
    for file in rust_files(&root().join("src")) {
        let text = std::fs::read_to_string(&file).unwrap();
        let mut rest = text.as_str();
        while let Some(at) = rest.find("fn code(&self)") {
            rest = &rest[at + "fn code(&self)".len()..];
            // A declaration without a body (the trait's) ends with `;` before any `{`.
            let (Some(open), semicolon) = (rest.find('{'), rest.find(';')) else {
                break;
            };
            if semicolon.is_some_and(|s| s < open) {
                continue;
            }
            let mut depth = 0;
            let mut close = None;
            for (i, c) in rest[open..].char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            close = Some(open + i);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let close =
                close.unwrap_or_else(|| panic!("{}: unbalanced braces in fn code", file.display()));
            codes.extend(
                string_literals(&rest[open..close])
                    .into_iter()
                    .filter(|s| code_shaped(s))
                    .map(str::to_owned),
            );
            bodies += 1;
            rest = &rest[close..];
        }
    }
    assert!(bodies >= 8, "too few fn code bodies found: {bodies}");
    codes
}

/// The backticked tokens of the table rows of a Markdown text (lines starting with `|`), and
/// separately the first cell of each row when it is one backticked token.
fn table_tokens(text: &str) -> (Vec<String>, Vec<String>) {
    let (mut all, mut first) = (Vec::new(), Vec::new());
    for line in text.lines().filter(|l| l.trim_start().starts_with('|')) {
        let cells: Vec<&str> = line.trim().trim_matches('|').split(" | ").collect();
        if let Some(cell) = cells.first().map(|c| c.trim()) {
            if let Some(token) = cell.strip_prefix('`').and_then(|c| c.strip_suffix('`')) {
                if !token.contains('`') {
                    first.push(token.to_owned());
                }
            }
        }
        let mut rest = line;
        while let Some(start) = rest.find('`') {
            let after = &rest[start + 1..];
            let Some(end) = after.find('`') else { break };
            all.push(after[..end].to_owned());
            rest = &after[end + 1..];
        }
    }
    (all, first)
}

#[test]
fn every_error_code_is_documented_in_both_languages() {
    let codes = error_codes_in_source();
    assert!(
        codes.len() >= 100,
        "only {} error codes found in src/: the scan is broken",
        codes.len()
    );
    for page in ["docs/ru/errors.md", "docs/en/errors.md"] {
        let text = read(page);
        let missing: Vec<&String> = codes
            .iter()
            .filter(|code| !text.contains(&format!("`{code}`")))
            .collect();
        assert!(
            missing.is_empty(),
            "{page} does not document {} code(s): {missing:?}",
            missing.len()
        );
        // The reverse: a table names no code the code cannot produce (a stale or misspelt row).
        let (tokens, first_cells) = table_tokens(&text);
        let stale: BTreeSet<&String> = tokens
            .iter()
            .filter(|t| code_shaped(t) && t.contains('_'))
            .chain(first_cells.iter())
            .filter(|t| !codes.contains(*t))
            .collect();
        assert!(
            stale.is_empty(),
            "{page} documents code(s) the source cannot produce: {stale:?}"
        );
        // Each code has its own row.
        let rows: BTreeSet<&String> = first_cells.iter().collect();
        assert_eq!(rows.len(), first_cells.len(), "{page}: a code has two rows");
        assert_eq!(
            rows.len(),
            codes.len(),
            "{page}: the tables have {} code rows, the source {} codes",
            rows.len(),
            codes.len()
        );
    }
}
