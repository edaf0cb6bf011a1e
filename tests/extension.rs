//! The 1C extension sources in extension/ (Designer's XML dump of ИнтеграцияМессенджер):
//! every XML file well-formed and shaped as Designer writes it, Configuration.xml and the
//! object files agreeing both ways, UUIDs well-formed and unique, names carrying the prefix,
//! the compatibility mode, the role and its rights, the HTTP service's root URL and template,
//! the registers' dimensions, no secret in a constant, every BSL module present with balanced
//! blocks, references that resolve and the development standards' rules this test can see
//! (plus bslfmt's check), the server module wrapping every member the add-in itself reports
//! (the C++ host's `members` mode, i.e. what 1C discovers), and every BSL snippet of the README and docs/ru, docs/en
//! and docs/*/extension.md calling only what the modules export. No 1C platform runs here, so
//! these are checks on the dump and the docs. Nothing here is optional: a missing file is a failure.

mod support;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use support::bsl::{
    argument_count, check_blocks, closing_paren, ident_is, tokenize, Routine, Token,
};

const MD_NAMESPACE: &str = "http://v8.1c.ru/8.3/MDClasses";
const FORMAT_VERSION: &str = "2.17";
const BOM: &str = "\u{feff}";
const EXTENSION_NAME: &str = "ИнтеграцияМессенджер";
const SERVER_MODULE: &str = "Мсг_Мессенджер";
const CLIENT_MODULE: &str = "Мсг_МессенджерКлиент";
const BOTS_MODULE: &str = "Мсг_Боты";
const HTTP_SERVICE: &str = "Мсг_TelegramWebhook";
const TEMPLATE: &str = "Мсг_КомпонентаMessenger";
const ROLE: &str = "Мсг_ПриемОбновленийTelegram";
const UPDATES_REGISTER: &str = "Мсг_ОбновленияTelegram";
const BOTS_REGISTER: &str = "Мсг_БотыМессенджера";
const SECRETS_REGISTER: &str = "Мсг_Секреты";
const XMPP_REGISTER: &str = "Мсг_ОчередьXMPP";
/// The lowest extension compatibility mode the extension's objects need: own information
/// registers (data) in an extension came with 8.3.11. The code itself needs 8.3.6 (СтрШаблон,
/// JSON) and asynchronous add-in calls; constants in an extension would need 8.3.16, which is why
/// the webhook secret no longer lives in one.
const COMPATIBILITY_MODE: &str = "Version8_3_11";
/// The common module of the developer's configuration (or own extension) that holds the handlers.
const HANDLERS_MODULE: &str = "МессенджерОбработчики";

/// Kinds of objects the extension holds: the element name in Configuration.xml's ChildObjects,
/// the directory Designer dumps them to, and whether they carry a module (Ext/Module.bsl).
const KINDS: &[(&str, &str, bool)] = &[
    ("Language", "Languages", false),
    ("Role", "Roles", false),
    ("CommonTemplate", "CommonTemplates", false),
    ("CommonModule", "CommonModules", true),
    ("HTTPService", "HTTPServices", true),
    ("Constant", "Constants", false),
    ("InformationRegister", "InformationRegisters", false),
];

fn root() -> PathBuf {
    support::root().join("extension")
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

// ---- BSL modules (the tokenizer and block checker are in support/bsl.rs) ---------------

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
        let routines = check_blocks(&relative(path), &tokens);
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
    let out = Command::new(support::host())
        .arg(support::library())
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
        // An object's own files (a role's Ext/Rights.xml) are not metadata objects: well-formed is enough here.
        if path
            .parent()
            .and_then(|p| p.file_name())
            .is_some_and(|n| n == "Ext")
        {
            XmlFile::load(path).doc();
            continue;
        }
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
fn configuration_is_an_add_on_extension_in_the_lowest_compatibility_mode_it_needs() {
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
    // An extension's mode may not be above the base configuration's: every step up locks out the
    // configurations still in an older mode. The floor is set by what the objects need (see
    // COMPATIBILITY_MODE); a constant would need 8.3.16, so there must be none.
    assert_eq!(
        p["ConfigurationExtensionCompatibilityMode"], COMPATIBILITY_MODE,
        "the extension's compatibility mode must be the lowest its objects need"
    );
    assert!(
        !config.children.iter().any(|(kind, _)| kind == "Constant"),
        "a constant in an extension needs compatibility mode 8.3.16: {:?}",
        config.children
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
        ("Role", ROLE),
        ("CommonTemplate", TEMPLATE),
        ("CommonModule", SERVER_MODULE),
        ("CommonModule", BOTS_MODULE),
        ("CommonModule", CLIENT_MODULE),
        ("HTTPService", HTTP_SERVICE),
        ("InformationRegister", UPDATES_REGISTER),
        ("InformationRegister", BOTS_REGISTER),
        ("InformationRegister", SECRETS_REGISTER),
    ] {
        assert!(
            listed.contains(&(kind.to_owned(), name.to_owned())),
            "{kind} {name} missing from Configuration.xml"
        );
    }
    // Designer sorts ChildObjects by kind in a fixed order; keep ours in that order.
    let order = [
        "Language",
        "Role",
        "CommonTemplate",
        "CommonModule",
        "HTTPService",
        "Constant",
        "InformationRegister",
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
    let expect = |name: &str, server: &str, external: &str, managed: &str, ordinary: &str| {
        let object = meta_object(&XmlFile::load(&object_file("CommonModule", name)));
        let p = &object.properties;
        assert_eq!(p["Server"], server, "{name}: Server");
        assert_eq!(
            p["ExternalConnection"], external,
            "{name}: ExternalConnection"
        );
        assert_eq!(
            p["ClientManagedApplication"], managed,
            "{name}: ClientManagedApplication"
        );
        assert_eq!(
            p["ClientOrdinaryApplication"], ordinary,
            "{name}: ClientOrdinaryApplication"
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
    // The standard's kinds: a server module is Server + ExternalConnection + ClientOrdinaryApplication,
    // its code fenced for those contexts; a client module is both clients.
    for server in [SERVER_MODULE, BOTS_MODULE] {
        expect(server, "true", "true", "false", "true");
        let module = Module::load(&module_of("CommonModule", server));
        let fence = module
            .tokens
            .iter()
            .position(|(t, _)| *t == Token::Preproc("если".into()));
        let first_routine = module
            .tokens
            .iter()
            .position(|(t, _)| ident_is(t, "Функция") || ident_is(t, "Процедура"));
        assert!(
            fence.is_some() && fence < first_routine,
            "{server}: the code must be fenced with #Если Сервер Или ТолстыйКлиентОбычноеПриложение Или ВнешнееСоединение Тогда"
        );
        let text = read(&module_of("CommonModule", server));
        assert!(
            text.contains(
                "#Если Сервер Или ТолстыйКлиентОбычноеПриложение Или ВнешнееСоединение Тогда"
            ),
            "{server}: the fence must name the three contexts of the module"
        );
    }
    expect(CLIENT_MODULE, "false", "false", "true", "true");
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
    // The add-in's three events (src/addin/xmpp.rs: XmppMessage, XmppState with room_failed,
    // XmppPresence with the item's kind) and the fields that tell an item's kind.
    for literal in [
        "Messenger",
        "XmppMessage",
        "XmppState",
        "XmppPresence",
        "room_failed",
        "kind",
    ] {
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
fn the_http_service_has_a_prefixed_root_and_a_bot_in_its_url() {
    let file = XmlFile::load(&object_file("HTTPService", HTTP_SERVICE));
    let doc = file.doc();
    let service = element_children(doc.root_element()).next().unwrap();
    let root_url = text_of(service, &["Properties", "RootURL"]).unwrap_or_default();
    // A bare "telegram" collides with any other bot's service in the same base.
    assert_eq!(root_url, "msg_telegram", "RootURL");
    let templates: Vec<_> =
        element_children(child(service, "ChildObjects").expect("URL templates"))
            .filter(|n| n.tag_name().name() == "URLTemplate")
            .collect();
    assert_eq!(templates.len(), 1, "one URL template");
    let template = templates[0];
    assert_eq!(
        text_of(template, &["Properties", "Template"]).as_deref(),
        Some("/{bot}"),
        "the bot is a URL parameter, so one service serves every bot of the base"
    );
    let module = Module::load(&module_of("HTTPService", HTTP_SERVICE));
    let mut verbs = BTreeSet::new();
    for method in element_children(child(template, "ChildObjects").expect("methods")) {
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
    assert_eq!(verbs, BTreeSet::from(["GET".to_owned(), "POST".to_owned()]));
    assert!(
        module.strings().any(|s| s == "bot") && module.uses_member("ПараметрыURL"),
        "the service must read the bot from ПараметрыURL[\"bot\"]"
    );
    assert!(
        module
            .strings()
            .any(|s| s == "X-Telegram-Bot-Api-Secret-Token"),
        "the secret header is not passed on"
    );
    assert!(
        !module.member_calls("ПринятьОбновлениеWebhook").is_empty(),
        "the service must hand the update to {BOTS_MODULE}.ПринятьОбновлениеWebhook"
    );
}

#[test]
fn a_webhook_update_is_stored_before_the_200_and_only_with_the_bots_secret() {
    let bots = Module::load(&module_of("CommonModule", BOTS_MODULE));
    let body = routine_tokens(&bots, "ПринятьОбновлениеWebhook");
    let at = |name: &str| {
        body.iter()
            .position(|(t, _)| ident_is(t, name))
            .unwrap_or_else(|| panic!("ПринятьОбновлениеWebhook never calls {name}"))
    };
    let secret = at("СекретыСовпадают");
    assert!(
        secret < at("ПрочитатьИзJSON") && secret < at("СохранитьПакет"),
        "the secret is compared before the body is parsed or stored"
    );
    assert!(
        body.iter().any(|(t, _)| ident_is(t, "КлючСекретаWebhook"))
            && routine_tokens(&bots, "КлючСекретаWebhook")
                .iter()
                .any(|(t, _)| *t == Token::Str("secret_token".into())),
        "the secret compared is the bot's own secret_token"
    );
    // "Принято" (200) after the store; a failed store answers "Сбой" (500) so Telegram redelivers.
    let accepted: Vec<usize> = body
        .windows(2)
        .enumerate()
        .filter(|(_, w)| ident_is(&w[0].0, "Возврат") && w[1].0 == Token::Str("Принято".into()))
        .map(|(i, _)| i)
        .collect();
    assert!(
        accepted
            .last()
            .is_some_and(|last| *last > at("СохранитьПакет")),
        "the final \"Принято\" must come after СохранитьПакет"
    );
    assert!(
        body.iter().any(|(t, _)| *t == Token::Str("Сбой".into())),
        "a failed store must not be answered 200"
    );
    // The service maps the three outcomes to named statuses, never to bare numbers.
    let service = Module::load(&module_of("HTTPService", HTTP_SERVICE));
    for outcome in ["Принято", "Отказ"] {
        assert!(
            service.strings().any(|s| s == outcome),
            "the service ignores {outcome:?}"
        );
    }
}

/// Tokens of one routine of a module, from its keyword to its end keyword.
fn routine_tokens<'m>(module: &'m Module, name: &str) -> &'m [(Token, usize)] {
    let t = &module.tokens;
    let start = t
        .windows(2)
        .position(|w| {
            (ident_is(&w[0].0, "Функция") || ident_is(&w[0].0, "Процедура"))
                && ident_is(&w[1].0, name)
        })
        .unwrap_or_else(|| panic!("{}: no routine {name}", module.where_()));
    let end = t[start..]
        .iter()
        .position(|(tok, _)| ident_is(tok, "КонецФункции") || ident_is(tok, "КонецПроцедуры"))
        .unwrap()
        + start;
    &t[start..end]
}

#[test]
fn the_role_grants_the_http_services_methods_and_nothing_else() {
    let object = meta_object(&XmlFile::load(&object_file("Role", ROLE)));
    assert_eq!(object.kind, "Role");
    let rights_path = root().join("Roles").join(ROLE).join("Ext/Rights.xml");
    let file = XmlFile::load(&rights_path);
    let doc = file.doc();
    let top = doc.root_element();
    assert_eq!(top.tag_name().name(), "Rights");
    assert_eq!(
        top.tag_name().namespace(),
        Some("http://v8.1c.ru/8.2/roles")
    );
    // A role that takes rights to objects added later would grow with every new object.
    assert_eq!(
        text_of(top, &["setForNewObjects"]).as_deref(),
        Some("false")
    );

    // Every method of every URL template of the service, as the role names them.
    let service_file = XmlFile::load(&object_file("HTTPService", HTTP_SERVICE));
    let service_doc = service_file.doc();
    let service = element_children(service_doc.root_element()).next().unwrap();
    let mut methods = BTreeSet::new();
    for template in element_children(child(service, "ChildObjects").unwrap()) {
        let template_name = text_of(template, &["Properties", "Name"]).unwrap();
        for method in element_children(child(template, "ChildObjects").unwrap()) {
            let method_name = text_of(method, &["Properties", "Name"]).unwrap();
            methods.insert(format!(
                "HTTPService.{HTTP_SERVICE}.URLTemplate.{template_name}.Method.{method_name}"
            ));
        }
    }
    let mut granted = BTreeSet::new();
    for object in element_children(top).filter(|n| n.tag_name().name() == "object") {
        let name = text_of(object, &["name"]).unwrap();
        let rights: Vec<(String, String)> = element_children(object)
            .filter(|n| n.tag_name().name() == "right")
            .map(|r| {
                (
                    text_of(r, &["name"]).unwrap(),
                    text_of(r, &["value"]).unwrap(),
                )
            })
            .collect();
        assert_eq!(
            rights,
            [("Use".to_owned(), "true".to_owned())],
            "{name}: the role grants Use and nothing else"
        );
        assert!(
            methods.contains(&name),
            "the role grants {name}, which is not a method of {HTTP_SERVICE}: {methods:?}"
        );
        granted.insert(name);
    }
    assert_eq!(granted, methods, "every method of the service, each once");
}

#[test]
fn the_registers_are_keyed_as_the_queue_needs() {
    let register = |name: &str| {
        let file = XmlFile::load(&object_file("InformationRegister", name));
        let object = meta_object(&file);
        assert_eq!(
            object.properties["InformationRegisterPeriodicity"], "Nonperiodical",
            "{name}"
        );
        assert_eq!(object.properties["WriteMode"], "Independent", "{name}");
        assert_eq!(
            object.properties["DataLockControlMode"], "Managed",
            "{name}"
        );
        let doc = file.doc();
        let reg = element_children(doc.root_element()).next().unwrap();
        let fields = |tag: &str| -> Vec<(String, String)> {
            element_children(child(reg, "ChildObjects").unwrap())
                .filter(|n| n.tag_name().name() == tag)
                .map(|n| {
                    let props = child(n, "Properties").unwrap();
                    let ty = child(props, "Type").unwrap();
                    let kind = text_of(ty, &["Type"]).unwrap();
                    let size = text_of(ty, &["StringQualifiers", "Length"])
                        .or_else(|| {
                            text_of(ty, &["NumberQualifiers", "Digits"]).map(|d| {
                                let fraction =
                                    text_of(ty, &["NumberQualifiers", "FractionDigits"]).unwrap();
                                format!("{d}.{fraction}")
                            })
                        })
                        .unwrap_or_default();
                    (text_of(props, &["Name"]).unwrap(), format!("{kind} {size}"))
                })
                .collect()
        };
        (fields("Dimension"), fields("Resource"))
    };
    // The queue: one record per bot and update_id, so a redelivered update is recognised. update_id
    // exceeds 32 bits' worth of digits in no time; 15 digits, no fraction.
    let (dimensions, resources) = register(UPDATES_REGISTER);
    assert_eq!(
        dimensions,
        [
            ("Бот".to_owned(), "xs:string 64".to_owned()),
            (
                "ИдентификаторОбновления".to_owned(),
                "xs:decimal 15.0".to_owned()
            )
        ]
    );
    for needed in ["Чат", "Данные", "Состояние", "Попыток", "СледующаяПопытка"]
    {
        assert!(
            resources.iter().any(|(n, _)| n == needed),
            "{UPDATES_REGISTER} has no resource {needed}: {resources:?}"
        );
    }
    // The XMPP queue: one record per account and key (a hash of sender and message id, 64 hex
    // digits), so a message redelivered from the server's offline storage is recognised; the
    // arrival number orders it, the peer groups it.
    let (dimensions, resources) = register(XMPP_REGISTER);
    assert_eq!(
        dimensions,
        [
            ("Бот".to_owned(), "xs:string 64".to_owned()),
            ("Ключ".to_owned(), "xs:string 64".to_owned())
        ]
    );
    for (needed, kind) in [
        ("Номер", "xs:decimal 15.0"),
        ("Собеседник", "xs:string"),
        ("Вид", "xs:string"),
        ("Данные", "xs:string 0"),
        ("Состояние", "xs:string"),
        ("Попыток", "xs:decimal"),
        ("СледующаяПопытка", "xs:dateTime"),
    ] {
        assert!(
            resources
                .iter()
                .any(|(n, t)| n == needed && t.starts_with(kind)),
            "{XMPP_REGISTER} has no resource {needed} of type {kind}: {resources:?}"
        );
    }
    // The code cuts a peer to the resource's length.
    let peer_length = resources
        .iter()
        .find(|(n, _)| n == "Собеседник")
        .map(|(_, t)| t.trim_start_matches("xs:string ").to_owned())
        .unwrap();
    let bots = Module::load(&module_of("CommonModule", BOTS_MODULE));
    assert!(
        routine_tokens(&bots, "ДлинаСобеседника")
            .iter()
            .any(|(t, _)| *t == Token::Number(peer_length.clone())),
        "{BOTS_MODULE}.ДлинаСобеседника must return {peer_length}, the length of {XMPP_REGISTER}.Собеседник"
    );
    let (dimensions, resources) = register(BOTS_REGISTER);
    assert_eq!(dimensions, [("Бот".to_owned(), "xs:string 64".to_owned())]);
    assert!(resources
        .iter()
        .any(|(n, t)| n == "Смещение" && t == "xs:decimal 15.0"));
    // No secret in any register but the secrets one: tokens and passwords go to the safe storage.
    for name in configuration()
        .children
        .iter()
        .filter(|(kind, name)| kind == "InformationRegister" && name != SECRETS_REGISTER)
        .map(|(_, name)| name)
    {
        let (dimensions, resources) = register(name);
        for (field, _) in dimensions.iter().chain(&resources) {
            let lower = field.to_lowercase();
            assert!(
                !["токен", "секрет", "пароль", "token", "secret", "password"]
                    .iter()
                    .any(|w| lower.contains(w)),
                "{name}.{field} looks like a secret"
            );
        }
    }
    let (dimensions, _) = register(SECRETS_REGISTER);
    assert_eq!(
        dimensions
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>(),
        ["Владелец", "Ключ"]
    );
}

#[test]
fn secrets_live_in_the_safe_storage_never_in_a_constant() {
    let config = configuration();
    for (kind, name) in &config.children {
        assert_ne!(
            kind, "Constant",
            "constant {name}: secrets must not live in constants"
        );
    }
    for (_, name, module) in all_modules() {
        assert!(
            !module.tokens.iter().any(|(t, _)| ident_is(t, "Константы")),
            "{name} reads or writes a constant"
        );
    }
    let bots = Module::load(&module_of("CommonModule", BOTS_MODULE));
    // БСП's safe storage when the configuration has it, found through metadata...
    for call in [
        "ЗаписатьДанныеВБезопасноеХранилище",
        "ПрочитатьДанныеИзБезопасногоХранилища",
        "УдалитьДанныеИзБезопасногоХранилища",
    ] {
        assert!(
            !bots.member_calls(call).is_empty(),
            "{BOTS_MODULE} never calls БСП's {call}"
        );
    }
    for literal in ["ОбщегоНазначения", "БезопасноеХранилищеДанных"]
    {
        assert!(
            bots.strings().any(|s| s == literal),
            "{BOTS_MODULE} must look {literal} up in the metadata"
        );
    }
    // ...otherwise the extension's register, to which no role grants any right: only privileged
    // code reads it.
    assert!(bots
        .tokens
        .iter()
        .any(|(t, _)| ident_is(t, SECRETS_REGISTER)));
    let rights = read(&root().join("Roles").join(ROLE).join("Ext/Rights.xml"));
    assert!(
        !rights.contains("InformationRegister."),
        "the role must not grant any register"
    );
    for routine in ["ЗаписатьСекрет", "ПрочитатьСекрет", "УдалитьСекрет"]
    {
        let body = routine_tokens(&bots, routine);
        assert!(
            body.windows(3)
                .any(|w| ident_is(&w[0].0, "УстановитьПривилегированныйРежим")
                    && ident_is(&w[2].0, "Истина")),
            "{BOTS_MODULE}.{routine} must run in privileged mode"
        );
        let r = bots.routine(routine).unwrap();
        assert!(!r.exported, "{BOTS_MODULE}.{routine} must not be exported");
    }
}

#[test]
fn polling_stores_the_batch_before_next_offset_and_callbacks_are_answered() {
    let bots = Module::load(&module_of("CommonModule", BOTS_MODULE));
    let poll = routine_tokens(&bots, "ОпроситьБотаTelegram");
    let fetch = poll
        .iter()
        .position(|(t, _)| ident_is(t, "ПолучитьОбновленияTelegram"))
        .expect("the poller calls Мсг_Мессенджер.ПолучитьОбновленияTelegram");
    let store = poll
        .iter()
        .position(|(t, _)| ident_is(t, "СохранитьПакет"))
        .expect("the poller stores each batch");
    assert!(fetch < store);
    assert!(
        poll[store..]
            .iter()
            .any(|(t, _)| *t == Token::Str("next_offset".into())),
        "next_offset is stored with the batch"
    );
    // In СохранитьПакет: one transaction, the updates first, the offset after them.
    let save = routine_tokens(&bots, "СохранитьПакет");
    let pos = |name: &str| save.iter().position(|(t, _)| ident_is(t, name));
    let (begin, queue, offset, commit) = (
        pos("НачатьТранзакцию"),
        pos("ЗаписатьВОчередь"),
        pos("Смещение"),
        pos("ЗафиксироватьТранзакцию"),
    );
    assert!(
        begin.is_some() && begin < queue && queue < offset && offset < commit,
        "СохранитьПакет: transaction, updates, then next_offset, then commit"
    );
    // A redelivered update is not stored twice.
    let queue_body = routine_tokens(&bots, "ЗаписатьВОчередь");
    assert!(queue_body.windows(3).any(|w| ident_is(&w[0].0, "Выбран")));
    // Per chat in order: a failed update holds back the later ones of its chat.
    let process = routine_tokens(&bots, "ОбработатьПроходОчереди");
    assert!(process.iter().any(|(t, _)| matches!(t, Token::Str(q) if q.contains("УПОРЯДОЧИТЬ ПО") && q.contains("ИдентификаторОбновления"))));
    assert!(
        process.iter().any(|(t, _)| ident_is(t, "Ждут")),
        "chats with a failed update wait"
    );
    // Passes repeat while they find work, so an update stored during a pass is not left waiting.
    let queue = routine_tokens(&bots, "ОбработатьОчередьБота");
    assert!(queue
        .windows(2)
        .any(|w| ident_is(&w[0].0, "Пока") && ident_is(&w[1].0, "ОбработатьПроходОчереди")));
    // Exactly once: the record is locked and re-read, the handler runs in the transaction that marks it.
    let one = routine_tokens(&bots, "ОбработатьОбновление");
    let pos = |name: &str| {
        one.iter()
            .position(|(t, _)| ident_is(t, name))
            .unwrap_or_else(|| panic!("ОбработатьОбновление never uses {name}"))
    };
    assert!(pos("Заблокировать") < pos("Прочитать"));
    assert!(pos("Прочитать") < pos("ВызватьОбработчикTelegram"));
    assert!(pos("ВызватьОбработчикTelegram") < pos("ЗафиксироватьТранзакцию"));
    assert!(
        pos("ЗаписатьНеудачу") > pos("ОтменитьТранзакцию"),
        "a failure is kept for a retry"
    );
    assert!(bots.strings().any(|s| s == "answerCallbackQuery"));
    assert!(bots.strings().any(|s| s == "callback_query_id"));
    // Handlers are found by a fixed name, through metadata.
    let handlers = routine_tokens(&bots, "МодульОбработчиков");
    assert!(handlers.windows(4).any(|w| ident_is(&w[0].0, "ОбщиеМодули")
        && ident_is(&w[2].0, "Найти")
        && w[3].0 == Token::Punct('(')));
    assert!(handlers
        .iter()
        .any(|(t, _)| *t == Token::Str(HANDLERS_MODULE.into())));
    // The background jobs run per bot under a key, so a bot never polls twice at once (409).
    let start = routine_tokens(&bots, "ЗапуститьФоновоеЗадание");
    assert!(start
        .iter()
        .any(|(t, _)| ident_is(t, "ПолучитьФоновыеЗадания")));
}

/// Position of the first identifier `name` in `body`, or a panic naming `what`.
fn first_in(body: &[(Token, usize)], name: &str, what: &str) -> usize {
    body.iter()
        .position(|(t, _)| ident_is(t, name))
        .unwrap_or_else(|| panic!("{what} never uses {name}"))
}

#[test]
fn xmpp_items_are_stored_before_any_handler_and_handled_once_per_peer_in_order() {
    let bots = Module::load(&module_of("CommonModule", BOTS_MODULE));
    // The job: what XmppReceive hands over goes to the queue first, then the queue is processed;
    // the job itself never calls a handler.
    let job = routine_tokens(&bots, "ПринятьСообщенияXMPP");
    let what = "ПринятьСообщенияXMPP";
    let receive = first_in(job, "ПолучитьXMPPСообщения", what);
    let store = first_in(job, "СохранитьПакетXMPP", what);
    assert!(
        store < receive,
        "{what}: the received batch goes straight into СохранитьПакетXMPP(…)"
    );
    let process = job
        .iter()
        .enumerate()
        .skip(receive)
        .find(|(_, (t, _))| ident_is(t, "ОбработатьОчередьXMPP"))
        .map(|(i, _)| i)
        .expect("the job processes the queue after storing");
    assert!(receive < process);
    for handler in [
        "ПриПолученииСообщенияXMPP",
        "ПриСобытииXMPP",
        "ВызватьОбработчикXMPP",
    ] {
        assert!(
            !job.iter().any(|(t, _)| ident_is(t, handler)),
            "{what} calls {handler} directly: a failing handler would lose the message"
        );
    }
    // After the disconnect, what the add-in still holds is stored, and the fates of the session's
    // sends are asked for.
    let disconnect = first_in(job, "ОтключитьXMPP", what);
    assert!(disconnect < first_in(&job[disconnect..], "ЗабратьОстатокXMPP", what) + disconnect);
    assert!(job[disconnect..]
        .iter()
        .any(|(t, _)| ident_is(t, "ПроверитьОтправкиXMPP")));
    // Stored first, in one transaction with the arrival counter; a redelivered message is skipped.
    let save = routine_tokens(&bots, "СохранитьПакетXMPP");
    let what = "СохранитьПакетXMPP";
    let (begin, lock, read, selected, write, counter, commit) = (
        first_in(save, "НачатьТранзакцию", what),
        first_in(save, "ЗаблокироватьСчетчикXMPP", what),
        first_in(save, "Прочитать", what),
        first_in(save, "Выбран", what),
        first_in(save, "Записать", what),
        first_in(save, "ЗаписатьСчетчикXMPP", what),
        first_in(save, "ЗафиксироватьТранзакцию", what),
    );
    assert!(begin < lock && lock < read && read < selected && selected < write);
    assert!(write < counter && counter < commit);
    assert!(
        save[selected..write]
            .iter()
            .any(|(t, _)| ident_is(t, "Продолжить")),
        "{what}: a record already there (a redelivery) is skipped, not rewritten"
    );
    // A failed store is reported with the items: the add-in has already handed them over.
    let except = first_in(save, "Исключение", what);
    assert!(save[except..]
        .iter()
        .any(|(t, _)| ident_is(t, "ЗаписьЖурналаРегистрации")));
    // The key: sender and id, not the delay stamp (the live copy has none, the offline copy has one).
    let key = routine_tokens(&bots, "КлючЭлементаXMPP");
    for field in ["От", "Идентификатор"] {
        assert!(
            key.windows(2)
                .any(|w| w[0].0 == Token::Punct('.') && ident_is(&w[1].0, field)),
            "КлючЭлементаXMPP does not use {field}"
        );
    }
    assert!(
        !key.iter().any(|(t, _)| ident_is(t, "Время")),
        "the delay stamp must not be part of the key"
    );
    // Per peer in arrival order, a failure holds back the peer's later items.
    let pass = routine_tokens(&bots, "ОбработатьПроходОчередиXMPP");
    assert!(pass.iter().any(|(t, _)| matches!(t, Token::Str(q) if q.contains("УПОРЯДОЧИТЬ ПО") && q.contains("Очередь.Номер"))));
    assert!(pass.iter().any(|(t, _)| ident_is(t, "Ждут")));
    assert!(pass.iter().any(|(t, _)| ident_is(t, "Собеседник")));
    // Exactly once: locked, re-read, handler, mark, commit; a failure kept for a retry.
    let one = routine_tokens(&bots, "ОбработатьЭлементXMPP");
    let what = "ОбработатьЭлементXMPP";
    assert!(first_in(one, "Заблокировать", what) < first_in(one, "Прочитать", what));
    assert!(first_in(one, "Прочитать", what) < first_in(one, "ВызватьОбработчикXMPP", what));
    assert!(
        first_in(one, "ВызватьОбработчикXMPP", what)
            < first_in(one, "ЗафиксироватьТранзакцию", what)
    );
    assert!(first_in(one, "ЗаписатьНеудачуXMPP", what) > first_in(one, "ОтменитьТранзакцию", what));
    // The same backoff as Telegram's: both failure writers use the one function, and the pause is
    // computed nowhere else.
    for writer in ["ЗаписатьНеудачу", "ЗаписатьНеудачуXMPP"] {
        assert!(
            routine_tokens(&bots, writer)
                .iter()
                .any(|(t, _)| ident_is(t, "ВремяСледующейПопытки")),
            "{writer} does not use ВремяСледующейПопытки"
        );
    }
    let pows = bots
        .tokens
        .iter()
        .filter(|(t, _)| ident_is(t, "Pow"))
        .count();
    assert_eq!(
        pows, 1,
        "the backoff is computed in ВремяСледующейПопытки only"
    );
    // Messages to ПриПолученииСообщенияXMPP, every other kind to ПриСобытииXMPP.
    let call = routine_tokens(&bots, "ВызватьОбработчикXMPP");
    for handler in ["ПриПолученииСообщенияXMPP", "ПриСобытииXMPP"] {
        assert!(
            call.windows(2)
                .any(|w| w[0].0 == Token::Punct('.') && ident_is(&w[1].0, handler)),
            "ВызватьОбработчикXMPP never calls {handler}"
        );
    }
    // The wrapper keeps what tells the kinds apart: every field of the add-in's queue items.
    let server = Module::load(&module_of("CommonModule", SERVER_MODULE));
    let item = routine_tokens(&server, "СообщениеXMPP");
    for field in [
        "from",
        "to",
        "type",
        "body",
        "subject",
        "thread",
        "id",
        "stamp",
        "kind",
        "room",
        "nick",
        "own",
        "show",
        "status",
        "condition",
        "error",
    ] {
        assert!(
            item.iter().any(|(t, _)| *t == Token::Str(field.into())),
            "Мсг_Мессенджер.СообщениеXMPP drops the item field {field:?}"
        );
    }
}

#[test]
fn acked_false_sends_are_followed_up_with_xmpp_send_status() {
    let bots = Module::load(&module_of("CommonModule", BOTS_MODULE));
    let send = routine_tokens(&bots, "ОтправитьXMPPОтБота");
    let what = "ОтправитьXMPPОтБота";
    assert!(
        first_in(send, "ОтправитьXMPPСообщение", what)
            < first_in(send, "ОтследитьОтправкуXMPP", what)
    );
    // Only an unconfirmed send is kept, in the queue, waiting.
    let track = routine_tokens(&bots, "ОтследитьОтправкуXMPP");
    assert!(track
        .windows(2)
        .any(|w| w[0].0 == Token::Punct('.') && ident_is(&w[1].0, "acked")));
    assert!(track.iter().any(|(t, _)| ident_is(t, "СостояниеОжидает")));
    assert!(track.iter().any(|(t, _)| ident_is(t, "Записать")));
    // Checked with XmppSendStatus; "pending" waits, anything else becomes a queue item.
    let check = routine_tokens(&bots, "ПроверитьОтправкиXMPP");
    let what = "ПроверитьОтправкиXMPP";
    let status = first_in(check, "СостояниеXMPPОтправки", what);
    assert!(check
        .iter()
        .any(|(t, _)| *t == Token::Str("pending".into())));
    assert!(first_in(check, "СостояниеНовое", what) > status);
    // The job checks while it runs, not only at the end.
    let job = routine_tokens(&bots, "ПринятьСообщенияXMPP");
    let loop_start = first_in(job, "Пока", "ПринятьСообщенияXMPP");
    let loop_end = first_in(job, "КонецЦикла", "ПринятьСообщенияXMPP");
    assert!(job[loop_start..loop_end]
        .iter()
        .any(|(t, _)| ident_is(t, "ПроверитьОтправкиXMPP")));
}

#[test]
fn the_docs_handler_module_defines_every_handler_the_extension_calls() {
    // What Мсг_Боты calls on the handlers' module (Модуль.X(…)) ...
    let bots = Module::load(&module_of("CommonModule", BOTS_MODULE));
    let t = &bots.tokens;
    let mut called: BTreeMap<String, usize> = BTreeMap::new();
    for i in 0..t.len().saturating_sub(3) {
        if ident_is(&t[i].0, "Модуль") && t[i + 1].0 == Token::Punct('.') {
            if let (Token::Ident(name), Token::Punct('(')) = (&t[i + 2].0, &t[i + 3].0) {
                called.insert(name.clone(), argument_count(t, i + 3));
            }
        }
    }
    assert!(called.len() >= 3, "too few handlers found: {called:?}");
    // ... each docs page on the extension shows, exported, with the same parameters.
    for (doc_name, text) in documents() {
        if !doc_name.ends_with("/extension.md") {
            continue;
        }
        let code: String = text
            .split("```bsl")
            .skip(1)
            .filter_map(|b| b.split("```").next())
            .collect::<Vec<_>>()
            .join("\n");
        let tokens = tokenize(&code);
        for (name, args) in &called {
            let at = tokens
                .windows(2)
                .position(|w| ident_is(&w[0].0, "Процедура") && ident_is(&w[1].0, name))
                .unwrap_or_else(|| panic!("{doc_name}: the handler module example has no {name}"));
            assert_eq!(
                argument_count(&tokens, at + 2),
                *args,
                "{doc_name}: {name}'s parameters"
            );
            let end = closing_paren(&tokens, at + 2);
            assert!(
                ident_is(&tokens[end + 1].0, "Экспорт"),
                "{doc_name}: {name} must be exported"
            );
        }
    }
}

/// The add-in's methods as docs/ru/reference.md gives them: Russian name -> parameters (name,
/// optional).
fn reference_signatures() -> BTreeMap<String, Vec<(String, bool)>> {
    let text = read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/ru/reference.md"));
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("- `") else {
            continue;
        };
        let Some((name, after)) = rest.split_once('(') else {
            continue;
        };
        if !name.chars().all(|c| c.is_alphanumeric()) {
            continue;
        }
        let Some((list, _)) = after.split_once("):") else {
            continue;
        };
        let params = list
            .split(", ")
            .filter(|p| !p.trim().is_empty())
            .map(|p| {
                let name = p.split(':').next().unwrap().trim().to_owned();
                (name, p.contains(" = "))
            })
            .collect();
        out.insert(name.to_owned(), params);
    }
    out
}

#[test]
fn the_wrappers_take_the_add_ins_parameters_by_name_and_default() {
    let (_, methods) = add_in_members();
    let reference = reference_signatures();
    let server = Module::load(&module_of("CommonModule", SERVER_MODULE));
    for method in &methods {
        let documented = reference.get(&method.ru).unwrap_or_else(|| {
            panic!(
                "docs/ru/reference.md gives no signature for {} / {}",
                method.ru, method.en
            )
        });
        assert_eq!(
            documented.len(),
            method.params,
            "docs/ru/reference.md: {} takes {} parameters",
            method.ru,
            method.params
        );
        let wrapper = server.routine(&method.ru).unwrap();
        let mut own: Vec<(String, bool)> = wrapper.parameters.clone();
        // A session method takes the object first; any other ends with its settings or object.
        let session = own.first().is_some_and(|(n, _)| n == "Компонента");
        if session {
            own.remove(0);
        } else {
            assert_eq!(
                own.pop(),
                Some(("НастройкиИлиКомпонента".to_owned(), true)),
                "{SERVER_MODULE}.{}: the last parameter is НастройкиИлиКомпонента = Неопределено",
                method.ru
            );
        }
        let names =
            |list: &[(String, bool)]| list.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(&own),
            names(documented),
            "{SERVER_MODULE}.{}: the add-in's parameters, in its order and with its names",
            method.ru
        );
        for ((name, optional), (_, documented_optional)) in own.iter().zip(documented) {
            assert_eq!(
                optional,
                documented_optional,
                "{SERVER_MODULE}.{}: {name} is {} in the add-in",
                method.ru,
                if *documented_optional {
                    "optional"
                } else {
                    "required"
                }
            );
        }
    }
}

#[test]
fn the_bsl_follows_the_development_standards_this_test_can_see() {
    // Global methods the standards replace (string search, modal dialogs, the session's local
    // time on the server, synchronous add-in installation) or that do not exist (Сообщение).
    const DEPRECATED: &[&str] = &[
        "Найти",
        "ТекущаяДата",
        "Предупреждение",
        "Вопрос",
        "ОткрытьФормуМодально",
        "ВвестиЗначение",
        "ВвестиСтроку",
        "ВвестиЧисло",
        "УстановитьВнешнююКомпоненту",
        "Сообщение",
    ];
    for (_, _, module) in all_modules() {
        let where_ = module.where_();
        let text = read(&module.path);
        let lines: Vec<&str> = text.lines().collect();
        // Comments and examples name the service's root URL as it is.
        assert!(
            !text.contains("/hs/telegram/"),
            "{where_}: the service's root URL is msg_telegram, not telegram"
        );
        // Every export method is described: a comment above it, its parameters and its return value.
        for routine in module.routines.iter().filter(|r| r.exported) {
            let mut doc = Vec::new();
            let mut i = routine.line - 1;
            while i > 0 && lines[i - 1].trim_start().starts_with("//") {
                doc.push(lines[i - 1]);
                i -= 1;
            }
            let doc = doc.join("\n");
            assert!(
                !doc.is_empty(),
                "{where_}:{}: export {} has no description",
                routine.line,
                routine.name
            );
            if routine.params > 0 {
                assert!(
                    doc.contains("Параметры:"),
                    "{where_}:{}: {} does not describe its parameters",
                    routine.line,
                    routine.name
                );
            }
            // Each parameter by name: "//  Имя - Тип - описание".
            for (name, _) in &routine.parameters {
                assert!(
                    doc.lines().any(|l| {
                        let l = l.trim_start().trim_start_matches('/').trim_start();
                        l.strip_prefix(name.as_str())
                            .is_some_and(|rest| rest.trim_start().starts_with("- "))
                    }),
                    "{where_}:{}: {} does not describe its parameter {name}",
                    routine.line,
                    routine.name
                );
            }
            if routine.function {
                // The header and, on the line after it, "Тип - описание".
                let returns = doc
                    .lines()
                    .rev()
                    .position(|l| l.contains("Возвращаемое значение:"));
                let described = returns.is_some_and(|at| {
                    doc.lines()
                        .rev()
                        .nth(at + 1)
                        .is_some_and(|next| next.contains(" - "))
                });
                assert!(
                    described,
                    "{where_}:{}: {} does not describe its return value",
                    routine.line, routine.name
                );
            }
        }
        // The standard's hyphen in comments, not a dash.
        for (n, line) in lines.iter().enumerate() {
            if let Some(at) = line.find("//") {
                if line[..at].matches('"').count() % 2 == 0 {
                    assert!(
                        !line[at..].contains('—') && !line[at..].contains('–'),
                        "{where_}:{}: a dash in a comment; the standard writes \"-\"",
                        n + 1
                    );
                }
            }
        }
        let t = &module.tokens;
        for (i, (token, line)) in t.iter().enumerate() {
            let after_dot = i > 0 && t[i - 1].0 == Token::Punct('.');
            let call = t.get(i + 1).map(|x| &x.0) == Some(&Token::Punct('('));
            // Вычислить/Выполнить only on a constant string, never on one built from data.
            if !after_dot && call && (ident_is(token, "Вычислить") || ident_is(token, "Выполнить"))
            {
                assert!(
                    matches!(t.get(i + 2).map(|x| &x.0), Some(Token::Str(_)))
                        && t.get(i + 3).map(|x| &x.0) == Some(&Token::Punct(')')),
                    "{where_}:{line}: Вычислить/Выполнить on a built string"
                );
            }
            if !after_dot && call {
                for word in DEPRECATED {
                    assert!(
                        !ident_is(token, word),
                        "{where_}:{line}: {word}() is deprecated or does not exist"
                    );
                }
            }
            // HTTP statuses by name: a number that reads as one (100-599) lives only in a named
            // function (КодУспешно …) that returns it.
            if let Token::Number(n) = token {
                if n.parse::<u32>().is_ok_and(|v| (100..600).contains(&v)) {
                    let owner = module
                        .routines
                        .iter()
                        .rev()
                        .find(|r| r.line <= *line)
                        .map(|r| r.name.as_str())
                        .unwrap_or("");
                    assert!(
                        owner.starts_with("Код") && ident_is(&t[i - 1].0, "Возврат"),
                        "{where_}:{line}: the bare number {n} looks like an HTTP status; return it from a named function Код…()"
                    );
                }
            }
            // HTTP statuses by name: no bare number in Новый HTTPСервисОтвет(…).
            if ident_is(token, "HTTPСервисОтвет") && call {
                assert!(
                    !matches!(t.get(i + 2).map(|x| &x.0), Some(Token::Number(_))),
                    "{where_}:{line}: a bare HTTP status; use a named function"
                );
            }
        }
    }
}

#[test]
fn bslfmt_finds_every_module_parsed_and_formatted() {
    // bslfmt (PyPI, scripts/deps/extension.pip): a BSL formatter that parses blocks, regions and
    // brackets and formats to 1C's standards; --check fails on a module it cannot parse or would change.
    let modules: Vec<PathBuf> = files("bsl");
    assert!(modules.len() >= 4);
    let out = Command::new("bslfmt")
        .arg("--check")
        .args(&modules)
        .output()
        .expect(
            "bslfmt is not installed: python3 -m pip install bslfmt (scripts/install-deps.sh does)",
        );
    assert!(
        out.status.success(),
        "bslfmt --check: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // And it does fail on a module it cannot parse (so the check above can fail).
    let dir = support::temp_dir("bslfmt");
    let broken = dir.join("broken.bsl");
    std::fs::write(
        &broken,
        "Процедура П()\n\tЕсли Истина Тогда\nКонецПроцедуры\n",
    )
    .unwrap();
    let refused = Command::new("bslfmt")
        .arg("--check")
        .arg(&broken)
        .output()
        .unwrap();
    assert!(
        !refused.status.success(),
        "bslfmt accepted an unbalanced module"
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
    let dir = support::temp_dir("bsl-checker");
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

/// The documents whose BSL snippets and object names are checked: the README and every page of
/// the user documentation, in both languages.
fn documents() -> Vec<(String, String)> {
    let crate_root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut names = vec!["README.md".to_string(), "README.en.md".to_string()];
    for lang in ["ru", "en"] {
        let mut pages: Vec<String> = std::fs::read_dir(crate_root.join("docs").join(lang))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".md"))
            .map(|n| format!("docs/{lang}/{n}"))
            .collect();
        pages.sort();
        names.extend(pages);
    }
    names
        .into_iter()
        .map(|name| {
            let text = read(&crate_root.join(&name));
            (name, text)
        })
        .collect()
}

/// The pages that tell how to install the extension: each gives the apply steps and the form's
/// ВнешнееСобытие handler.
fn is_installation_page(doc_name: &str) -> bool {
    doc_name.ends_with("/install.md") || doc_name.ends_with("/extension.md")
}

#[test]
fn the_docs_examples_balance_and_call_only_what_the_modules_export() {
    let modules = all_modules();
    let common: HashMap<String, &Module> = modules
        .iter()
        .filter(|(k, _, _)| k == "CommonModule")
        .map(|(_, n, m)| (n.clone(), m))
        .collect();
    let dir = support::temp_dir("guide");
    let mut blocks = 0;
    let mut calls = 0;
    for (doc_name, text) in documents() {
        let mut in_doc = 0;
        for (index, block) in text.split("```bsl\n").skip(1).enumerate() {
            let code = block.split("```").next().unwrap();
            // A fragment of a procedure body is checked inside one.
            let whole = if code.contains("Процедура ") || code.contains("Функция ")
            {
                code.to_owned()
            } else {
                format!("Процедура Пример()\n{code}\nКонецПроцедуры\n")
            };
            let path = dir.join(format!(
                "example-{}-{index}.bsl",
                doc_name.replace('/', "-")
            ));
            std::fs::write(&path, format!("{BOM}{whole}")).unwrap();
            let example = std::panic::catch_unwind(|| Module::load(&path))
                .unwrap_or_else(|_| panic!("{doc_name}, BSL example {index} does not parse"));
            blocks += 1;
            in_doc += 1;
            let t = &example.tokens;
            for (i, (token, line)) in t.iter().enumerate() {
                let after_dot = i > 0 && t[i - 1].0 == Token::Punct('.');
                let after_new = i > 0 && ident_is(&t[i - 1].0, "Новый");
                if !after_dot
                    && !after_new
                    && t.get(i + 1).map(|x| &x.0) == Some(&Token::Punct('('))
                {
                    // Сообщение(…) is not a global method of the platform (Сообщить is).
                    assert!(
                        !ident_is(token, "Сообщение"),
                        "{doc_name}, example {index}, line {line}: Сообщение() is not a global method; use Сообщить()"
                    );
                }
                if let (
                    Token::Ident(target),
                    Some((Token::Punct('.'), _)),
                    Some((Token::Ident(routine), _)),
                    Some((Token::Punct('('), _)),
                ) = (token, t.get(i + 1), t.get(i + 2), t.get(i + 3))
                {
                    if let Some(module) = common.get(target) {
                        let found = module.routine(routine).unwrap_or_else(|| {
                            panic!("{doc_name}, example {index}, line {line}: {target}.{routine} does not exist")
                        });
                        assert!(
                            found.exported,
                            "{doc_name}: {target}.{routine} is not exported"
                        );
                        let args = argument_count(t, i + 3);
                        let required = found.parameters.iter().filter(|(_, d)| !d).count();
                        assert!(
                            args >= required,
                            "{doc_name}, example {index}, line {line}: {target}.{routine} needs {required} parameters, given {args}"
                        );
                        assert!(
                            args <= found.params,
                            "{doc_name}, example {index}, line {line}: {target}.{routine} takes {} parameters, given {args}",
                            found.params
                        );
                        calls += 1;
                    } else if target.starts_with("Мсг_") {
                        panic!("{doc_name}, example {index}, line {line}: {target} is not a common module of the extension");
                    }
                }
            }
            // A snippet that attaches the add-in attaches it from the extension's template.
            for s in example.strings() {
                if let Some(template) = s.strip_prefix("ОбщийМакет.") {
                    assert_eq!(
                        template, TEMPLATE,
                        "{doc_name}, example {index}: template {s}"
                    );
                }
            }
        }
        if doc_name == "docs/ru/install.md" || doc_name == "docs/ru/extension.md" {
            assert!(in_doc >= 2, "{doc_name}: too few BSL examples ({in_doc})");
        }
    }
    assert!(
        blocks >= 12 && calls >= 30,
        "too few BSL examples checked: {blocks} blocks, {calls} calls"
    );
}

#[test]
fn every_object_the_docs_name_exists() {
    let config = configuration();
    let listed: BTreeSet<String> = config.children.iter().map(|(_, n)| n.clone()).collect();
    let modules = all_modules();
    let prefix = config.properties["NamePrefix"].clone();
    let mut named = 0;
    for (doc_name, text) in documents() {
        let chars: Vec<char> = text.chars().collect();
        let word = |start: usize| -> String {
            chars[start..]
                .iter()
                .take_while(|c| c.is_alphanumeric() || **c == '_')
                .collect()
        };
        let mut i = 0;
        while i < chars.len() {
            let boundary = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
            let rest: String = chars[i..(i + prefix.chars().count()).min(chars.len())]
                .iter()
                .collect();
            if boundary && rest == prefix {
                let name = word(i);
                i += name.chars().count();
                if name.ends_with('_') || name == prefix {
                    continue; // a key prefix such as Мсг_ОпросTelegram_ or the prefix itself
                }
                named += 1;
                assert!(
                    listed.contains(&name),
                    "{doc_name} names {name}, which is not an object of the extension"
                );
                // Мсг_Модуль.Функция: the function exists and is exported.
                if chars.get(i) == Some(&'.') {
                    let member = word(i + 1);
                    if let Some((_, _, module)) = modules
                        .iter()
                        .find(|(k, n, _)| k == "CommonModule" && *n == name)
                    {
                        if !member.is_empty() {
                            assert!(
                                module.routine(&member).is_some_and(|r| r.exported),
                                "{doc_name} names {name}.{member}, which the module does not export"
                            );
                        }
                    }
                }
                continue;
            }
            i += 1;
        }
        for (old, why) in [
            (
                "ОбщийМакет.КомпонентаMessenger",
                "the template is ОбщийМакет.Мсг_КомпонентаMessenger",
            ),
            ("/hs/telegram/", "the service's root URL is msg_telegram"),
            (
                "Мсг_СекретWebhookTelegram",
                "the secret lives in the safe storage",
            ),
            (
                "Мсг_МессенджерПереопределяемый",
                "handlers live in МессенджерОбработчики",
            ),
        ] {
            assert!(!text.contains(old), "{doc_name} still says {old}: {why}");
        }
    }
    assert!(named >= 30, "too few object names checked: {named}");
    // The form example needs its ВнешнееСобытие handler assigned, and the docs say where.
    for (doc_name, text) in documents() {
        if is_installation_page(&doc_name) {
            assert!(
                text.contains("ВнешнееСобытие"),
                "{doc_name} does not say how to assign the form's ВнешнееСобытие handler"
            );
            assert!(
                text.contains("config apply"),
                "{doc_name} does not give the ibcmd apply step"
            );
            assert!(
                text.contains("/UpdateDBCfg"),
                "{doc_name} does not give Designer's apply step"
            );
        }
    }
}

#[test]
fn scripts_extension_sh_assembles_a_loadable_copy_around_the_bundle() {
    let crate_root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let zip = crate_root.join("target/bundle/Messenger.zip");
    assert!(
        zip.is_file(),
        "{} is missing: run scripts/build/bundle.sh (scripts/test.sh does)",
        zip.display()
    );
    let out = support::temp_dir("extension-sh");
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

    // The commands it prints apply the extension, not only import it (else /hs/ answers 404).
    let printed = String::from_utf8_lossy(&done.stdout);
    for step in [
        format!("/UpdateDBCfg -Extension {EXTENSION_NAME}"),
        "ibcmd infobase config import".to_owned(),
        "ibcmd infobase config apply".to_owned(),
        format!("--extension={EXTENSION_NAME}"),
        "--safe-mode=no".to_owned(),
    ] {
        assert!(
            printed.contains(&step),
            "scripts/extension.sh does not print {step}:\n{printed}"
        );
    }

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
