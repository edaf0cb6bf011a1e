//! The 1C extension sources in extension/ (Designer's XML dump of ИнтеграцияМессенджер):
//! every XML file well-formed and shaped as Designer writes it, Configuration.xml and the
//! object files agreeing both ways, UUIDs well-formed and unique, names carrying the prefix,
//! every BSL module present with balanced blocks and references that resolve, and the server
//! module wrapping every member the add-in itself reports (the C++ host's `members` mode,
//! i.e. what 1C discovers). Nothing here is optional: a missing file is a failure.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

const MD_NAMESPACE: &str = "http://v8.1c.ru/8.3/MDClasses";
const FORMAT_VERSION: &str = "2.17";
const BOM: &str = "\u{feff}";
const EXTENSION_NAME: &str = "ИнтеграцияМессенджер";
const SERVER_MODULE: &str = "Мсг_Мессенджер";
const CLIENT_MODULE: &str = "Мсг_МессенджерКлиент";
const HTTP_SERVICE: &str = "Мсг_TelegramWebhook";
const TEMPLATE: &str = "Мсг_КомпонентаMessenger";

/// Kinds of objects the extension holds: the element name in Configuration.xml's ChildObjects,
/// the directory Designer dumps them to, and whether they carry a module (Ext/Module.bsl).
const KINDS: &[(&str, &str, bool)] = &[
    ("Language", "Languages", false),
    ("CommonTemplate", "CommonTemplates", false),
    ("CommonModule", "CommonModules", true),
    ("HTTPService", "HTTPServices", true),
    ("Constant", "Constants", false),
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("extension")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e} (the extension dump is incomplete)", path.display()))
}

/// Every file under extension/ with the given extension, sorted.
fn files(ext: &str) -> Vec<PathBuf> {
    fn walk(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, ext, out);
            } else if path.extension().is_some_and(|e| e == ext) {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&root(), ext, &mut out);
    out.sort();
    out
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

// ---- XML -----------------------------------------------------------------------------------

/// An XML file of the dump: checked for the BOM and the declaration Designer writes, then
/// parsed (roxmltree rejects anything not well-formed, undeclared prefixes included).
struct XmlFile {
    path: PathBuf,
    text: String,
}

impl XmlFile {
    fn load(path: &Path) -> XmlFile {
        let raw = read(path);
        let text = raw
            .strip_prefix(BOM)
            .unwrap_or_else(|| panic!("{}: no UTF-8 BOM (Designer writes one)", relative(path)));
        assert!(
            text.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?>"#),
            "{}: must start with the XML declaration Designer writes",
            relative(path)
        );
        XmlFile {
            path: path.to_path_buf(),
            text: text.to_owned(),
        }
    }

    fn doc(&self) -> roxmltree::Document<'_> {
        roxmltree::Document::parse(&self.text)
            .unwrap_or_else(|e| panic!("{}: not well-formed XML: {e}", relative(&self.path)))
    }
}

fn element_children<'a, 'i>(
    node: roxmltree::Node<'a, 'i>,
) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> {
    node.children().filter(|n| n.is_element())
}

fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    element_children(node).find(|n| n.tag_name().name() == name)
}

fn text_of(node: roxmltree::Node, path: &[&str]) -> Option<String> {
    let mut current = node;
    for name in path {
        current = child(current, name)?;
    }
    Some(current.text().unwrap_or("").trim().to_owned())
}

/// The one metadata object a file describes: MetaDataObject (MDClasses namespace, format
/// version) holding exactly one element, `<Kind uuid="…">` with Properties/Name.
struct MetaObject {
    kind: String,
    name: String,
    uuid: String,
    properties: BTreeMap<String, String>,
}

fn meta_object(file: &XmlFile) -> MetaObject {
    let doc = file.doc();
    let top = doc.root_element();
    let where_ = relative(&file.path);
    assert_eq!(
        top.tag_name().name(),
        "MetaDataObject",
        "{where_}: root element"
    );
    assert_eq!(
        top.tag_name().namespace(),
        Some(MD_NAMESPACE),
        "{where_}: root namespace"
    );
    assert_eq!(
        top.attribute("version"),
        Some(FORMAT_VERSION),
        "{where_}: dump format version"
    );
    let objects: Vec<_> = element_children(top).collect();
    assert_eq!(
        objects.len(),
        1,
        "{where_}: MetaDataObject must hold exactly one object"
    );
    let object = objects[0];
    assert_eq!(
        object.tag_name().namespace(),
        Some(MD_NAMESPACE),
        "{where_}: object namespace"
    );
    let properties =
        child(object, "Properties").unwrap_or_else(|| panic!("{where_}: no Properties"));
    let name = text_of(properties, &["Name"]).unwrap_or_default();
    assert!(!name.is_empty(), "{where_}: no Properties/Name");
    MetaObject {
        kind: object.tag_name().name().to_owned(),
        name,
        uuid: object
            .attribute("uuid")
            .unwrap_or_else(|| panic!("{where_}: no uuid"))
            .to_owned(),
        properties: element_children(properties)
            .map(|p| {
                (
                    p.tag_name().name().to_owned(),
                    p.text().unwrap_or("").trim().to_owned(),
                )
            })
            .collect(),
    }
}

fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
        && s.bytes().all(|b| !b.is_ascii_uppercase())
}

struct Configuration {
    properties: BTreeMap<String, String>,
    /// (kind, name) in the order Configuration.xml lists them.
    children: Vec<(String, String)>,
}

fn configuration() -> Configuration {
    let file = XmlFile::load(&root().join("Configuration.xml"));
    let object = meta_object(&file);
    assert_eq!(object.kind, "Configuration");
    let doc = file.doc();
    let config = element_children(doc.root_element()).next().unwrap();
    let children = child(config, "ChildObjects")
        .map(|c| {
            element_children(c)
                .map(|n| {
                    (
                        n.tag_name().name().to_owned(),
                        n.text().unwrap_or("").trim().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Configuration {
        properties: object.properties,
        children,
    }
}

fn object_file(kind: &str, name: &str) -> PathBuf {
    let dir = KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .unwrap_or_else(|| {
            panic!("Configuration.xml lists a {kind}, a kind this test does not know")
        })
        .1;
    root().join(dir).join(format!("{name}.xml"))
}

// ---- BSL -----------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Str(String),
    Punct(char),
    Number(String),
    /// A preprocessor line (#Область, #КонецОбласти, #Если …), keyword lowercased.
    Preproc(String),
}

/// Splits BSL into tokens, dropping comments; string literals ("…", with "" for a quote and
/// continuation lines) and date literals ('…') become one token each.
fn tokenize(source: &str) -> Vec<(Token, usize)> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let mut line_start = true;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            line_start = true;
            i += 1;
            continue;
        }
        if c.is_whitespace() || c == BOM.chars().next().unwrap() {
            i += 1;
            continue;
        }
        let at_line_start = std::mem::replace(&mut line_start, false);
        if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '#' && at_line_start {
            let start = i + 1;
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            let directive: String = chars[start..i].iter().collect();
            let word = directive
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_lowercase();
            out.push((Token::Preproc(word), line));
        } else if c == '"' || c == '\'' {
            let start_line = line;
            let mut value = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => panic!("unterminated literal opened on line {start_line}"),
                    Some(&q) if q == c && c == '"' && chars.get(i + 1) == Some(&'"') => {
                        value.push('"');
                        i += 2;
                    }
                    Some(&q) if q == c => {
                        i += 1;
                        break;
                    }
                    Some(&ch) => {
                        if ch == '\n' {
                            assert!(c == '"', "date literal broken across lines at line {line}");
                            line += 1;
                        }
                        value.push(ch);
                        i += 1;
                    }
                }
            }
            out.push((Token::Str(value), start_line));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((Token::Ident(chars[start..i].iter().collect()), line));
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            out.push((Token::Number(chars[start..i].iter().collect()), line));
        } else {
            out.push((Token::Punct(c), line));
            i += 1;
        }
    }
    out
}

fn ident_is(token: &Token, word: &str) -> bool {
    matches!(token, Token::Ident(s) if s.to_lowercase() == word.to_lowercase())
}

/// A routine (Процедура/Функция) of a module.
#[derive(Debug)]
struct Routine {
    name: String,
    params: usize,
    exported: bool,
}

struct Module {
    path: PathBuf,
    tokens: Vec<(Token, usize)>,
    routines: Vec<Routine>,
}

impl Module {
    fn load(path: &Path) -> Module {
        let raw = read(path);
        assert!(
            raw.starts_with(BOM),
            "{}: no UTF-8 BOM (Designer writes one)",
            relative(path)
        );
        let tokens = tokenize(&raw);
        let routines = check_blocks(path, &tokens);
        Module {
            path: path.to_path_buf(),
            tokens,
            routines,
        }
    }

    fn routine(&self, name: &str) -> Option<&Routine> {
        self.routines
            .iter()
            .find(|r| r.name.to_lowercase() == name.to_lowercase())
    }

    fn where_(&self) -> String {
        relative(&self.path)
    }

    /// Argument counts of every `.<name>(…)` call in the code (not in comments or strings).
    fn member_calls(&self, name: &str) -> Vec<usize> {
        let t = &self.tokens;
        let mut out = Vec::new();
        for i in 1..t.len().saturating_sub(1) {
            if t[i - 1].0 == Token::Punct('.')
                && ident_is(&t[i].0, name)
                && t[i + 1].0 == Token::Punct('(')
            {
                out.push(argument_count(t, i + 1));
            }
        }
        out
    }

    /// Whether `.<name>` appears in the code (a property read or write).
    fn uses_member(&self, name: &str) -> bool {
        self.tokens
            .windows(2)
            .any(|w| w[0].0 == Token::Punct('.') && ident_is(&w[1].0, name))
    }

    fn strings(&self) -> impl Iterator<Item = &str> {
        self.tokens.iter().filter_map(|(t, _)| match t {
            Token::Str(s) => Some(s.as_str()),
            _ => None,
        })
    }
}

/// Number of arguments in the parenthesised list opening at `open`.
fn argument_count(tokens: &[(Token, usize)], open: usize) -> usize {
    let mut depth = 0;
    let mut commas = 0;
    let mut empty = true;
    for (token, _) in &tokens[open..] {
        match token {
            Token::Punct('(') | Token::Punct('[') => depth += 1,
            Token::Punct(')') | Token::Punct(']') => {
                depth -= 1;
                if depth == 0 {
                    return if empty { 0 } else { commas + 1 };
                }
            }
            Token::Punct(',') if depth == 1 => commas += 1,
            _ => {}
        }
        if depth >= 1 && !matches!(token, Token::Punct('(')) {
            empty = false;
        }
    }
    panic!("unbalanced parentheses")
}

/// Index of the parenthesis closing the one at `open`.
fn closing_paren(tokens: &[(Token, usize)], open: usize) -> usize {
    let mut depth = 0;
    for (j, (t, _)) in tokens.iter().enumerate().skip(open) {
        match t {
            Token::Punct('(') => depth += 1,
            Token::Punct(')') => {
                depth -= 1;
                if depth == 0 {
                    return j;
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced parentheses")
}

/// Checks that every block opens and closes in order (Процедура…КонецПроцедуры,
/// Функция…КонецФункции at the top level only; Если, Попытка, Цикл inside them; Иначе/ИначеЕсли
/// only in Если, Исключение only in Попытка; #Область/#Если balanced) and returns the routines.
fn check_blocks(path: &Path, tokens: &[(Token, usize)]) -> Vec<Routine> {
    const PAIRS: &[(&str, &str)] = &[
        ("Процедура", "КонецПроцедуры"),
        ("Функция", "КонецФункции"),
        ("Если", "КонецЕсли"),
        ("Попытка", "КонецПопытки"),
        ("Цикл", "КонецЦикла"),
        ("Procedure", "EndProcedure"),
        ("Function", "EndFunction"),
        ("If", "EndIf"),
        ("Try", "EndTry"),
        ("Do", "EndDo"),
    ];
    let where_ = relative(path);
    let mut stack: Vec<(&str, usize)> = Vec::new();
    let mut regions: Vec<usize> = Vec::new();
    let mut conditions: Vec<usize> = Vec::new();
    let mut routines = Vec::new();
    for (i, (token, line)) in tokens.iter().enumerate() {
        let after_dot = i > 0 && tokens[i - 1].0 == Token::Punct('.');
        match token {
            Token::Preproc(word) => match word.as_str() {
                "область" | "region" => regions.push(*line),
                "конецобласти" | "endregion" => {
                    regions.pop().unwrap_or_else(|| {
                        panic!("{where_}:{line}: #КонецОбласти without #Область")
                    });
                }
                "если" | "if" => conditions.push(*line),
                "конецесли" | "endif" => {
                    conditions
                        .pop()
                        .unwrap_or_else(|| panic!("{where_}:{line}: #КонецЕсли without #Если"));
                }
                _ => {}
            },
            Token::Ident(word) if !after_dot => {
                let lower = word.to_lowercase();
                if let Some((open, _)) = PAIRS.iter().find(|(o, _)| o.to_lowercase() == lower) {
                    let routine =
                        matches!(*open, "Процедура" | "Функция" | "Procedure" | "Function");
                    if routine {
                        assert!(
                            stack.is_empty(),
                            "{where_}:{line}: {word} inside {} opened on line {}",
                            stack.last().unwrap().0,
                            stack.last().unwrap().1
                        );
                        let name = match tokens.get(i + 1) {
                            Some((Token::Ident(name), _)) => name.clone(),
                            _ => panic!("{where_}:{line}: {word} without a name"),
                        };
                        assert_eq!(
                            tokens.get(i + 2).map(|t| &t.0),
                            Some(&Token::Punct('(')),
                            "{where_}:{line}: {name}"
                        );
                        let params = argument_count(tokens, i + 2);
                        let end = closing_paren(tokens, i + 2);
                        let exported = tokens
                            .get(end + 1)
                            .is_some_and(|(t, _)| ident_is(t, "Экспорт") || ident_is(t, "Export"));
                        routines.push(Routine {
                            name,
                            params,
                            exported,
                        });
                    } else {
                        assert!(
                            !stack.is_empty(),
                            "{where_}:{line}: {word} outside a procedure or function"
                        );
                    }
                    stack.push((open, *line));
                } else if let Some((open, close)) =
                    PAIRS.iter().find(|(_, c)| c.to_lowercase() == lower)
                {
                    match stack.pop() {
                        Some((top, _)) if top == *open => {}
                        Some((top, opened)) => {
                            panic!("{where_}:{line}: {close} closes {top} opened on line {opened}")
                        }
                        None => panic!("{where_}:{line}: {close} without {open}"),
                    }
                } else if matches!(lower.as_str(), "иначе" | "иначеесли" | "else" | "elsif")
                {
                    assert!(
                        stack
                            .last()
                            .is_some_and(|(top, _)| matches!(*top, "Если" | "If")),
                        "{where_}:{line}: {word} outside Если"
                    );
                } else if matches!(lower.as_str(), "исключение" | "except") {
                    assert!(
                        stack
                            .last()
                            .is_some_and(|(top, _)| matches!(*top, "Попытка" | "Try")),
                        "{where_}:{line}: {word} outside Попытка"
                    );
                }
            }
            _ => {}
        }
    }
    if let Some((open, line)) = stack.last() {
        panic!("{where_}: {open} opened on line {line} is never closed");
    }
    assert!(
        regions.is_empty(),
        "{where_}: #Область on line {} is never closed",
        regions[0]
    );
    assert!(
        conditions.is_empty(),
        "{where_}: #Если on line {} is never closed",
        conditions[0]
    );
    routines
}

fn module_of(kind: &str, name: &str) -> PathBuf {
    let dir = KINDS.iter().find(|(k, _, _)| *k == kind).unwrap().1;
    root().join(dir).join(name).join("Ext").join("Module.bsl")
}

fn all_modules() -> Vec<(String, String, Module)> {
    configuration()
        .children
        .into_iter()
        .filter(|(kind, _)| KINDS.iter().any(|(k, _, has)| k == kind && *has))
        .map(|(kind, name)| {
            let module = Module::load(&module_of(&kind, &name));
            (kind, name, module)
        })
        .collect()
}

// ---- the add-in as 1C sees it ------------------------------------------------------------------

struct Member {
    en: String,
    ru: String,
    params: usize,
}

fn add_in_members() -> (Vec<Member>, Vec<Member>) {
    let out = Command::new(common::host())
        .arg(common::library())
        .arg("members")
        .output()
        .expect("run the host");
    assert!(
        out.status.success(),
        "host members failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("members JSON");
    let list = |key: &str| -> Vec<Member> {
        json[key]
            .as_array()
            .unwrap_or_else(|| panic!("no {key} in the members listing"))
            .iter()
            .map(|m| Member {
                en: m["en"].as_str().unwrap().to_owned(),
                ru: m["ru"].as_str().unwrap().to_owned(),
                params: m["params"].as_u64().unwrap_or(0) as usize,
            })
            .collect()
    };
    (list("properties"), list("methods"))
}

// ---- the tests -------------------------------------------------------------------------------

#[test]
fn every_xml_file_is_well_formed_designer_metadata_named_as_its_file() {
    let xml = files("xml");
    assert!(
        xml.len() >= 8,
        "too few XML files under extension/: {xml:?}"
    );
    for path in &xml {
        let object = meta_object(&XmlFile::load(path));
        if path == &root().join("Configuration.xml") {
            continue;
        }
        let dir = path
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap();
        let (kind, _, _) = KINDS.iter().find(|(_, d, _)| *d == dir).unwrap_or_else(|| {
            panic!(
                "{}: an XML file outside the known object directories",
                relative(path)
            )
        });
        assert_eq!(object.kind, *kind, "{}: object kind", relative(path));
        assert_eq!(
            path.file_stem().unwrap().to_str().unwrap(),
            object.name,
            "{}: the file name must be the object's name",
            relative(path)
        );
    }
}

#[test]
fn configuration_is_an_add_on_extension_for_platform_8_3_17_and_later() {
    let config = configuration();
    let p = &config.properties;
    assert_eq!(p["Name"], EXTENSION_NAME);
    assert_eq!(p["ObjectBelonging"], "Adopted");
    assert_eq!(p["ConfigurationExtensionPurpose"], "AddOn");
    assert_eq!(p["ScriptVariant"], "Russian");
    assert_eq!(p["DefaultLanguage"], "Language.Русский");
    assert!(
        p["NamePrefix"].ends_with('_') && p["NamePrefix"].chars().count() > 1,
        "NamePrefix {:?}",
        p["NamePrefix"]
    );
    let mode = &p["ConfigurationExtensionCompatibilityMode"];
    let minor: u32 = mode
        .strip_prefix("Version8_3_")
        .and_then(|m| m.parse().ok())
        .unwrap_or_else(|| panic!("ConfigurationExtensionCompatibilityMode {mode}"));
    assert!(
        (1..=17).contains(&minor),
        "compatibility mode {mode} is above 8.3.17: older bases could not take the extension"
    );
    assert!(
        !p.contains_key("CompatibilityMode"),
        "an extension has ConfigurationExtensionCompatibilityMode, not CompatibilityMode"
    );
    // The extension is released with the add-in: one version for both.
    assert_eq!(
        p["Version"],
        env!("CARGO_PKG_VERSION"),
        "Configuration.xml Version"
    );
    let server = Module::load(&module_of("CommonModule", SERVER_MODULE));
    let version =
        server
            .tokens
            .windows(4)
            .find_map(|w| match (&w[0].0, &w[1].0, &w[2].0, &w[3].0) {
                (Token::Ident(f), Token::Ident(n), Token::Punct('('), Token::Punct(')'))
                    if f == "Функция" && n == "ВерсияРасширения" =>
                {
                    Some(())
                }
                _ => None,
            });
    assert!(
        version.is_some(),
        "{SERVER_MODULE}.ВерсияРасширения() is missing"
    );
    assert!(
        server.strings().any(|s| s == env!("CARGO_PKG_VERSION")),
        "{SERVER_MODULE}.ВерсияРасширения() must return {}",
        env!("CARGO_PKG_VERSION")
    );
}

#[test]
fn configuration_lists_every_object_and_every_object_is_listed() {
    let config = configuration();
    let prefix = config.properties["NamePrefix"].clone();
    let listed: BTreeSet<(String, String)> = config.children.iter().cloned().collect();
    assert_eq!(
        listed.len(),
        config.children.len(),
        "Configuration.xml lists an object twice"
    );
    for (kind, name) in &config.children {
        let path = object_file(kind, name);
        let object = meta_object(&XmlFile::load(&path));
        assert_eq!(&object.kind, kind, "{}", relative(&path));
        assert_eq!(&object.name, name, "{}", relative(&path));
        let adopted =
            object.properties.get("ObjectBelonging").map(String::as_str) == Some("Adopted");
        if adopted {
            assert_eq!(
                kind, "Language",
                "only the language is adopted from the base configuration: {name}"
            );
        } else {
            assert!(
                name.starts_with(&prefix),
                "{kind} {name} is the extension's own object and must start with {prefix}"
            );
        }
    }
    // And the other way round: every object file on disk is listed.
    for (kind, dir, _) in KINDS {
        let Ok(entries) = std::fs::read_dir(root().join(dir)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "xml") {
                let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
                assert!(
                    listed.contains(&(kind.to_string(), name.clone())),
                    "{} is not listed in Configuration.xml ChildObjects",
                    relative(&path)
                );
            } else if path.is_dir() {
                assert!(
                    path.with_extension("xml").is_file(),
                    "{} has no object file next to it",
                    relative(&path)
                );
            }
        }
    }
    // Each kind the extension needs is there.
    for (kind, name) in [
        ("Language", "Русский"),
        ("CommonTemplate", TEMPLATE),
        ("CommonModule", SERVER_MODULE),
        ("CommonModule", CLIENT_MODULE),
        ("HTTPService", HTTP_SERVICE),
    ] {
        assert!(
            listed.contains(&(kind.to_owned(), name.to_owned())),
            "{kind} {name} missing from Configuration.xml"
        );
    }
    // Designer sorts ChildObjects by kind in a fixed order; keep ours in that order.
    let order = [
        "Language",
        "CommonTemplate",
        "CommonModule",
        "HTTPService",
        "Constant",
    ];
    let positions: Vec<usize> = config
        .children
        .iter()
        .map(|(k, _)| order.iter().position(|o| o == k).unwrap())
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] <= w[1]),
        "ChildObjects out of Designer's kind order: {:?}",
        config.children
    );
}

#[test]
fn uuids_are_well_formed_and_unique() {
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut count = 0;
    for path in files("xml") {
        let file = XmlFile::load(&path);
        let doc = file.doc();
        for node in doc.descendants().filter(|n| n.is_element()) {
            let mut values = Vec::new();
            if let Some(uuid) = node.attribute("uuid") {
                values.push(("uuid attribute", uuid.to_owned()));
            }
            let tag = node.tag_name().name();
            if matches!(
                tag,
                "ObjectId" | "TypeId" | "ValueId" | "ExtendedConfigurationObject" | "ClassId"
            ) {
                values.push((tag, node.text().unwrap_or("").trim().to_owned()));
            }
            for (what, value) in values {
                assert!(
                    is_uuid(&value),
                    "{}: {what} {value:?} is not a lowercase UUID",
                    relative(&path)
                );
                // ClassId names a platform class: the same fixed values in every configuration.
                if what == "ClassId" {
                    continue;
                }
                assert_ne!(
                    value,
                    "00000000-0000-0000-0000-000000000000",
                    "{}: nil UUID",
                    relative(&path)
                );
                count += 1;
                if let Some(first) = seen.insert(value.clone(), relative(&path)) {
                    panic!(
                        "UUID {value} appears in {first} and again in {}",
                        relative(&path)
                    );
                }
            }
        }
    }
    assert!(count >= 20, "too few UUIDs checked: {count}");
}

#[test]
fn common_modules_run_where_they_are_meant_to() {
    let expect = |name: &str, server: &str, external: &str, client: &str| {
        let object = meta_object(&XmlFile::load(&object_file("CommonModule", name)));
        let p = &object.properties;
        assert_eq!(p["Server"], server, "{name}: Server");
        assert_eq!(
            p["ExternalConnection"], external,
            "{name}: ExternalConnection"
        );
        assert_eq!(
            p["ClientManagedApplication"], client,
            "{name}: ClientManagedApplication"
        );
        assert_eq!(p["Global"], "false", "{name}: Global");
        assert_eq!(p["ServerCall"], "false", "{name}: ServerCall");
        // Extensions may not hold privileged modules; the wrapper sets privileged mode itself.
        assert_eq!(p["Privileged"], "false", "{name}: Privileged");
        assert_eq!(
            p["ReturnValuesReuse"], "DontUse",
            "{name}: AddIn objects cannot be cached"
        );
    };
    expect(SERVER_MODULE, "true", "true", "false");
    expect(CLIENT_MODULE, "false", "false", "true");
}

#[test]
fn every_module_exists_and_its_blocks_balance() {
    let modules = all_modules();
    assert!(modules.len() >= 4, "too few modules: {}", modules.len());
    let known: BTreeSet<PathBuf> = modules.iter().map(|(_, _, m)| m.path.clone()).collect();
    for path in files("bsl") {
        assert!(
            known.contains(&path),
            "{} belongs to no object in Configuration.xml",
            relative(&path)
        );
    }
    for (_, name, module) in &modules {
        assert!(
            !module.routines.is_empty(),
            "{name}: a module with no procedures"
        );
        let mut names = BTreeSet::new();
        for routine in &module.routines {
            assert!(
                names.insert(routine.name.to_lowercase()),
                "{name}: {} defined twice",
                routine.name
            );
        }
        // A variable assigned at the start of a line must not take the name of a routine of the
        // module or of a global function it would hide (Тип = …; then Тип("Строка")).
        const GLOBALS: &[&str] = &[
            "Тип",
            "ТипЗнч",
            "Строка",
            "Число",
            "Дата",
            "Булево",
            "Формат",
            "Сообщить",
            "Вычислить",
            "СтрШаблон",
            "НСтр",
            "Лев",
            "Прав",
            "Сред",
            "Цел",
            "Окр",
            "Мин",
            "Макс",
            "Base64Строка",
        ];
        let t = &module.tokens;
        for i in 0..t.len().saturating_sub(1) {
            let line_start = i == 0 || t[i - 1].1 != t[i].1;
            if let (Token::Ident(var), Token::Punct('=')) = (&t[i].0, &t[i + 1].0) {
                if line_start {
                    let lower = var.to_lowercase();
                    assert!(
                        !GLOBALS.iter().any(|g| g.to_lowercase() == lower)
                            && module.routine(var).is_none(),
                        "{}:{}: the variable {var} hides a function of the same name",
                        module.where_(),
                        t[i].1
                    );
                }
            }
        }
    }
}

#[test]
fn every_reference_between_the_modules_resolves() {
    let config = configuration();
    let listed: BTreeSet<String> = config.children.iter().map(|(_, n)| n.clone()).collect();
    let prefix = config.properties["NamePrefix"].clone();
    let modules = all_modules();
    let common: HashMap<String, &Module> = modules
        .iter()
        .filter(|(k, _, _)| k == "CommonModule")
        .map(|(_, n, m)| (n.clone(), m))
        .collect();
    for (_, _, module) in &modules {
        let t = &module.tokens;
        for (i, (token, line)) in t.iter().enumerate() {
            // Any identifier with the prefix names an object of this extension.
            if let Token::Ident(id) = token {
                if id.starts_with(&prefix) {
                    assert!(
                        listed.contains(id),
                        "{}:{line}: {id} is not an object of the extension",
                        module.where_()
                    );
                }
            }
            // Мсг_Модуль.Функция( — an exported routine of that module with a fitting parameter count.
            if let (
                Token::Ident(target),
                Some((Token::Punct('.'), _)),
                Some((Token::Ident(routine), _)),
                Some((Token::Punct('('), _)),
            ) = (token, t.get(i + 1), t.get(i + 2), t.get(i + 3))
            {
                if let Some(other) = common.get(target) {
                    let found = other.routine(routine).unwrap_or_else(|| {
                        panic!(
                            "{}:{line}: {target}.{routine} does not exist",
                            module.where_()
                        )
                    });
                    assert!(
                        found.exported,
                        "{}:{line}: {target}.{routine} is not exported",
                        module.where_()
                    );
                    let args = argument_count(t, i + 3);
                    assert!(
                        args <= found.params,
                        "{}:{line}: {target}.{routine} takes {} parameters, given {args}",
                        module.where_(),
                        found.params
                    );
                }
            }
            // Новый ОписаниеОповещения("Процедура", Модуль…): the handler exists and is exported
            // (a form's ЭтотОбъект is checked by the platform, not here).
            if ident_is(token, "ОписаниеОповещения")
                && t.get(i + 1).map(|x| &x.0) == Some(&Token::Punct('('))
            {
                let mut j = i + 2;
                let mut handlers = Vec::new();
                // The handler (1st, 2nd argument) and the error handler (4th, 5th).
                let mut args: Vec<Vec<Token>> = vec![Vec::new()];
                let mut depth = 1;
                while depth > 0 {
                    match &t[j].0 {
                        Token::Punct('(') => depth += 1,
                        Token::Punct(')') => depth -= 1,
                        Token::Punct(',') if depth == 1 => args.push(Vec::new()),
                        other => args.last_mut().unwrap().push(other.clone()),
                    }
                    j += 1;
                }
                for (proc_arg, module_arg) in [(0, 1), (3, 4)] {
                    if let (Some([Token::Str(proc_name)]), Some([Token::Ident(target)])) = (
                        args.get(proc_arg).map(Vec::as_slice),
                        args.get(module_arg).map(Vec::as_slice),
                    ) {
                        handlers.push((proc_name.clone(), target.clone()));
                    }
                }
                for (proc_name, target) in handlers {
                    if let Some(other) = common.get(&target) {
                        let found = other.routine(&proc_name).unwrap_or_else(|| {
                            panic!("{}:{line}: notification handler {target}.{proc_name} does not exist", module.where_())
                        });
                        assert!(
                            found.exported,
                            "{}:{line}: notification handler {target}.{proc_name} must be exported",
                            module.where_()
                        );
                    }
                }
            }
        }
    }
    // Names given as strings: templates ("ОбщийМакет.Имя") and routines run as background jobs
    // ("Модуль.Процедура").
    for (_, _, module) in &modules {
        for s in module.strings() {
            if let Some(template) = s.strip_prefix("ОбщийМакет.") {
                assert!(
                    listed.contains(template),
                    "{}: {s} is not a template of the extension",
                    module.where_()
                );
            }
            if let Some((target, routine)) = s.split_once('.') {
                if let Some(other) = common.get(target) {
                    assert!(
                        other.routine(routine).is_some_and(|r| r.exported),
                        "{}: \"{s}\" names no exported routine",
                        module.where_()
                    );
                }
            }
        }
    }
}

#[test]
fn the_server_module_wraps_every_method_and_property_of_the_add_in() {
    let (properties, methods) = add_in_members();
    assert!(
        methods.len() >= 12 && properties.len() >= 7,
        "the host reported too few members"
    );
    let server = Module::load(&module_of("CommonModule", SERVER_MODULE));
    for method in &methods {
        let calls = server.member_calls(&method.ru);
        assert!(
            !calls.is_empty(),
            "{SERVER_MODULE} never calls the add-in's {} / {}",
            method.ru,
            method.en
        );
        for args in calls {
            assert_eq!(
                args, method.params,
                "{SERVER_MODULE}: .{}(…) passes {args} arguments, the add-in takes {} (pass every one, defaults included)",
                method.ru, method.params
            );
        }
        let wrapper = server.routine(&method.ru).unwrap_or_else(|| {
            panic!(
                "{SERVER_MODULE} has no function {} wrapping {}",
                method.ru, method.en
            )
        });
        assert!(
            wrapper.exported,
            "{SERVER_MODULE}.{} must be exported",
            method.ru
        );
    }
    for property in &properties {
        assert!(
            server.uses_member(&property.ru),
            "{SERVER_MODULE} never uses the add-in's property {} / {}",
            property.ru,
            property.en
        );
    }
    // The add-in is attached from the extension's template, never from a file path.
    let attach: Vec<_> = server.member_calls("ПодключитьВнешнююКомпоненту");
    assert!(
        attach.is_empty(),
        "ПодключитьВнешнююКомпоненту is a global function, not a method"
    );
    assert!(
        server
            .strings()
            .any(|s| s == format!("ОбщийМакет.{TEMPLATE}")),
        "{SERVER_MODULE} must attach from ОбщийМакет.{TEMPLATE}"
    );
    assert!(
        server
            .tokens
            .iter()
            .any(|(t, _)| ident_is(t, "ЗаписьЖурналаРегистрации")),
        "{SERVER_MODULE} must log failures to the event log"
    );
}

#[test]
fn the_client_module_attaches_asynchronously_and_understands_the_events() {
    let client = Module::load(&module_of("CommonModule", CLIENT_MODULE));
    for global in [
        "НачатьПодключениеВнешнейКомпоненты",
        "НачатьУстановкуВнешнейКомпоненты",
        "ОписаниеОповещения",
    ] {
        assert!(
            client.tokens.iter().any(|(t, _)| ident_is(t, global)),
            "{CLIENT_MODULE} does not use {global}"
        );
    }
    for forbidden in ["ПодключитьВнешнююКомпоненту", "УстановитьВнешнююКомпоненту"]
    {
        assert!(
            !client.tokens.iter().any(|(t, _)| ident_is(t, forbidden)),
            "{CLIENT_MODULE} uses the synchronous {forbidden}, which strict asynchronous configurations forbid"
        );
    }
    for literal in ["Messenger", "XmppMessage", "XmppState"] {
        assert!(
            client.strings().any(|s| s == literal),
            "{CLIENT_MODULE} does not handle \"{literal}\""
        );
    }
    assert!(client
        .routine("РазобратьВнешнееСобытие")
        .is_some_and(|r| r.exported && r.params == 3));
    // Methods called on the client go through НачатьВызов… (the platform's asynchronous form).
    let (_, methods) = add_in_members();
    for (i, (t, line)) in client.tokens.iter().enumerate() {
        let after_dot = i > 0 && client.tokens[i - 1].0 == Token::Punct('.');
        if let Token::Ident(id) = t {
            let lower = id.to_lowercase();
            let synchronous = methods
                .iter()
                .any(|m| lower == m.ru.to_lowercase() || lower == m.en.to_lowercase());
            assert!(
                !(after_dot && synchronous),
                "{CLIENT_MODULE}:{line}: synchronous call .{id}(); use НачатьВызов{id}"
            );
        }
    }
    let asynchronous = client.member_calls("НачатьВызовПодключитьXMPP").len()
        + client
            .member_calls("НачатьВызовОтправитьXMPPСообщение")
            .len();
    assert!(
        asynchronous >= 2,
        "{CLIENT_MODULE} must open and use an XMPP session asynchronously"
    );
}

#[test]
fn the_http_service_takes_telegram_updates_and_checks_the_secret() {
    let file = XmlFile::load(&object_file("HTTPService", HTTP_SERVICE));
    let doc = file.doc();
    let service = element_children(doc.root_element()).next().unwrap();
    assert_eq!(
        text_of(service, &["Properties", "RootURL"]).as_deref(),
        Some("telegram")
    );
    let templates: Vec<_> =
        element_children(child(service, "ChildObjects").expect("URL templates"))
            .filter(|n| n.tag_name().name() == "URLTemplate")
            .collect();
    let update = templates
        .iter()
        .find(|t| text_of(**t, &["Properties", "Template"]).as_deref() == Some("/update"))
        .expect("URL template /update");
    let module = Module::load(&module_of("HTTPService", HTTP_SERVICE));
    let mut verbs = BTreeSet::new();
    for method in element_children(child(*update, "ChildObjects").expect("methods of /update")) {
        assert_eq!(method.tag_name().name(), "Method");
        assert!(is_uuid(method.attribute("uuid").unwrap_or("")));
        let verb = text_of(method, &["Properties", "HTTPMethod"]).unwrap();
        let handler = text_of(method, &["Properties", "Handler"]).unwrap();
        let routine = module
            .routine(&handler)
            .unwrap_or_else(|| panic!("handler {handler} is not in the service module"));
        assert_eq!(routine.params, 1, "{handler} takes the request");
        verbs.insert(verb);
    }
    assert!(
        verbs.contains("POST"),
        "/update must accept POST: {verbs:?}"
    );
    assert!(
        module
            .strings()
            .any(|s| s == "X-Telegram-Bot-Api-Secret-Token"),
        "the secret header is not checked"
    );
    let answers = |status: &str| {
        module.tokens.windows(4).any(|w| {
            ident_is(&w[0].0, "HTTPСервисОтвет")
                && w[1].0 == Token::Punct('(')
                && w[2].0 == Token::Number(status.to_owned())
                && w[3].0 == Token::Punct(')')
        })
    };
    assert!(
        answers("401"),
        "a wrong secret must get a bare 401, with no detail"
    );
    assert!(answers("200"), "an accepted update must get 200");
    let post = element_children(child(*update, "ChildObjects").unwrap())
        .find(|m| text_of(*m, &["Properties", "HTTPMethod"]).as_deref() == Some("POST"))
        .and_then(|m| text_of(m, &["Properties", "Handler"]))
        .unwrap();
    // The secret is compared before the body is even read.
    let start = module
        .tokens
        .iter()
        .position(|(t, _)| matches!(t, Token::Ident(n) if *n == post))
        .unwrap();
    let first_check = module.tokens[start..]
        .iter()
        .position(|(t, _)| ident_is(t, "СекретыСовпадают"));
    let first_body = module.tokens[start..]
        .iter()
        .position(|(t, _)| ident_is(t, "ПолучитьТелоКакСтроку"));
    assert!(
        first_check.is_some() && first_check < first_body,
        "{post} must check the secret before reading the body"
    );
}

#[test]
fn the_template_is_an_add_in_filled_from_the_bundle_and_kept_out_of_git() {
    let object = meta_object(&XmlFile::load(&object_file("CommonTemplate", TEMPLATE)));
    assert_eq!(object.properties["TemplateType"], "AddIn");
    assert!(is_uuid(&object.uuid));
    let bin = root()
        .join("CommonTemplates")
        .join(TEMPLATE)
        .join("Ext")
        .join("Template.bin");
    let gitignore = read(&Path::new(env!("CARGO_MANIFEST_DIR")).join(".gitignore"));
    let ignored = format!("/extension/CommonTemplates/{TEMPLATE}/Ext/Template.bin");
    assert!(
        gitignore.lines().any(|l| l.trim() == ignored),
        ".gitignore must list {ignored}"
    );
    assert!(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scripts/extension.sh")
            .is_file(),
        "scripts/extension.sh fills the template"
    );
    // scripts/extension.sh puts the ZIP there; when it has run, the template must be the bundle.
    if bin.exists() {
        let bytes = std::fs::read(&bin).unwrap();
        assert!(
            bytes.starts_with(b"PK\x03\x04"),
            "{}: not a ZIP",
            relative(&bin)
        );
        let listing = Command::new("unzip")
            .arg("-Z1")
            .arg(&bin)
            .output()
            .expect("unzip (apt-get install unzip)");
        assert!(
            String::from_utf8_lossy(&listing.stdout)
                .lines()
                .any(|l| l == "MANIFEST.XML"),
            "{}: no MANIFEST.XML",
            relative(&bin)
        );
    }
}

#[test]
fn the_bsl_checker_itself_catches_what_it_claims_to() {
    let dir = common::temp_dir("bsl-checker");
    let check = |source: &str| {
        let path = dir.join("m.bsl");
        std::fs::write(&path, format!("{BOM}{source}")).unwrap();
        std::panic::catch_unwind(|| Module::load(&path).routines.len()).is_ok()
    };
    assert!(check("Функция Ф(А, Б = 1) Экспорт\n\tЕсли А Тогда\n\t\tВозврат \"КонецФункции\"; // КонецЕсли\n\tИначе\n\t\tВозврат '20200101';\n\tКонецЕсли;\nКонецФункции\n"));
    assert!(
        !check("Функция Ф()\n\tЕсли Истина Тогда\n\tКонецЦикла;\nКонецФункции\n"),
        "a mismatched end"
    );
    assert!(
        !check("Процедура П()\nПроцедура Вложенная()\nКонецПроцедуры\nКонецПроцедуры\n"),
        "a nested procedure"
    );
    assert!(
        !check("Процедура П()\n\tПопытка\n\tИсключение\n\tКонецПопытки;\n"),
        "an unclosed procedure"
    );
    assert!(
        !check("#Область А\nПроцедура П()\nКонецПроцедуры\n"),
        "an unclosed region"
    );
    assert!(
        !check("Процедура П()\n\tТекст = \"незакрытая строка;\nКонецПроцедуры\n"),
        "an unterminated string"
    );
    assert!(check("Процедура П()\n\tТекст = \"многострочная\n\t|строка с \"\"кавычками\"\" и словом Процедура\";\nКонецПроцедуры\n"));
}

#[test]
fn the_guide_examples_balance_and_call_only_what_the_modules_export() {
    let guide_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let guide = read(&guide_path);
    let modules = all_modules();
    let common: HashMap<String, &Module> = modules
        .iter()
        .filter(|(k, _, _)| k == "CommonModule")
        .map(|(_, n, m)| (n.clone(), m))
        .collect();
    let dir = common::temp_dir("guide");
    let mut blocks = 0;
    let mut calls = 0;
    for (index, block) in guide.split("```bsl\n").skip(1).enumerate() {
        let code = block.split("```").next().unwrap();
        // A fragment of a procedure body is checked inside one.
        let whole = if code.contains("Процедура ") || code.contains("Функция ") {
            code.to_owned()
        } else {
            format!("Процедура Пример()\n{code}\nКонецПроцедуры\n")
        };
        let path = dir.join(format!("guide-example-{index}.bsl"));
        std::fs::write(&path, format!("{BOM}{whole}")).unwrap();
        let example = Module::load(&path);
        blocks += 1;
        let t = &example.tokens;
        for (i, (token, line)) in t.iter().enumerate() {
            if let (
                Token::Ident(target),
                Some((Token::Punct('.'), _)),
                Some((Token::Ident(routine), _)),
                Some((Token::Punct('('), _)),
            ) = (token, t.get(i + 1), t.get(i + 2), t.get(i + 3))
            {
                if let Some(module) = common.get(target) {
                    let found = module.routine(routine).unwrap_or_else(|| {
                        panic!("README.md, example {index}, line {line}: {target}.{routine} does not exist")
                    });
                    assert!(
                        found.exported,
                        "README.md: {target}.{routine} is not exported"
                    );
                    let args = argument_count(t, i + 3);
                    assert!(
                        args <= found.params,
                        "README.md, example {index}, line {line}: {target}.{routine} takes {} parameters, given {args}",
                        found.params
                    );
                    calls += 1;
                }
            }
        }
    }
    assert!(
        blocks >= 7 && calls >= 20,
        "too few BSL examples checked: {blocks} blocks, {calls} calls"
    );
}

#[test]
fn scripts_extension_sh_assembles_a_loadable_copy_around_the_bundle() {
    let crate_root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let zip = crate_root.join("target/bundle/Messenger.zip");
    assert!(
        zip.is_file(),
        "{} is missing: run scripts/bundle.sh (scripts/test.sh does)",
        zip.display()
    );
    let out = common::temp_dir("extension-sh");
    let language = "0b5c2c1e-7d3a-4f6b-9e21-3c4d5e6f7a8b";
    let run = |extra: &[&str]| {
        Command::new("bash")
            .arg(crate_root.join("scripts/extension.sh"))
            .arg("--zip")
            .arg(&zip)
            .arg("--out")
            .arg(&out)
            .arg("--no-template")
            .args(extra)
            .current_dir(crate_root)
            .output()
            .expect("run scripts/extension.sh")
    };
    let done = run(&["--language-uuid", language]);
    assert!(
        done.status.success(),
        "scripts/extension.sh failed: {}",
        String::from_utf8_lossy(&done.stderr)
    );

    // The copy holds every file of the dump, and the template holds the bundle byte for byte.
    let copy = out.join(EXTENSION_NAME);
    for path in files("xml").into_iter().chain(files("bsl")) {
        let twin = copy.join(path.strip_prefix(root()).unwrap());
        assert!(
            twin.is_file(),
            "{} is missing from the copy",
            twin.display()
        );
    }
    let template = copy
        .join("CommonTemplates")
        .join(TEMPLATE)
        .join("Ext/Template.bin");
    assert_eq!(
        std::fs::read(&template).expect("Template.bin in the copy"),
        std::fs::read(&zip).unwrap(),
        "the template must hold the bundle as is"
    );

    // The base language's UUID, when given, goes where Designer expects it, and the file stays valid.
    let file = XmlFile::load(&copy.join("Languages/Русский.xml"));
    let object = meta_object(&file);
    let keys: Vec<&str> = object.properties.keys().map(String::as_str).collect();
    assert_eq!(
        object
            .properties
            .get("ExtendedConfigurationObject")
            .map(String::as_str),
        Some(language),
        "{keys:?}"
    );
    let doc = file.doc();
    let order: Vec<String> = doc
        .descendants()
        .find(|n| n.tag_name().name() == "Properties")
        .map(|p| {
            element_children(p)
                .map(|c| c.tag_name().name().to_owned())
                .collect()
        })
        .unwrap();
    assert_eq!(
        order,
        [
            "ObjectBelonging",
            "Name",
            "Comment",
            "ExtendedConfigurationObject",
            "LanguageCode"
        ]
    );

    // What the script must refuse.
    assert!(
        !run(&["--language-uuid", "not-a-uuid"]).status.success(),
        "a bad UUID must be refused"
    );
    let not_a_bundle = out.join("not-a-bundle.zip");
    std::fs::write(&not_a_bundle, b"plain text").unwrap();
    let refused = Command::new("bash")
        .arg(crate_root.join("scripts/extension.sh"))
        .arg("--zip")
        .arg(&not_a_bundle)
        .arg("--out")
        .arg(&out)
        .arg("--no-template")
        .current_dir(crate_root)
        .output()
        .unwrap();
    assert!(
        !refused.status.success(),
        "a file that is not a ZIP must be refused"
    );
}
