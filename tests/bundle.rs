//! The ZIP 1C loads: MANIFEST.XML valid against the structure 1C expects, every library it
//! names present, and the library loadable from the unpacked bundle. scripts/test.sh makes
//! the bundle before the tests run.

mod common;

use std::path::Path;
use std::process::Command;

#[test]
fn the_bundle_is_what_1c_expects_and_its_library_loads() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let zip = root.join("target/bundle/Messenger.zip");
    assert!(
        zip.exists(),
        "{} is missing: run scripts/bundle.sh (scripts/test.sh does)",
        zip.display()
    );
    let dir = common::temp_dir("bundle");
    let status = Command::new("unzip")
        .arg("-q")
        .arg(&zip)
        .arg("-d")
        .arg(&dir)
        .status()
        .expect("unzip (apt-get install unzip)");
    assert!(status.success());

    let manifest = dir.join("MANIFEST.XML");
    let lint = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(root.join("manifest/MANIFEST.xsd"))
        .arg(&manifest)
        .output()
        .expect("xmllint (apt-get install libxml2-utils)");
    assert!(
        lint.status.success(),
        "MANIFEST.XML does not match the schema: {}",
        String::from_utf8_lossy(&lint.stderr)
    );

    let text = std::fs::read_to_string(&manifest).unwrap();
    let version = env!("CARGO_PKG_VERSION").replace('.', "_");
    let mut libraries = Vec::new();
    for part in text.split("path=\"").skip(1) {
        let path = part.split('"').next().unwrap();
        assert!(
            path.contains(&version),
            "{path} does not carry the version {version}"
        );
        assert!(
            dir.join(path).is_file(),
            "MANIFEST.XML names {path}, which is not in the ZIP"
        );
        libraries.push(path.to_owned());
    }
    assert!(
        text.contains(r#"os="Linux""#) && text.contains(r#"arch="x86_64""#),
        "{text}"
    );
    let linux = libraries
        .iter()
        .find(|p| p.ends_with(".so"))
        .expect("a Linux library");

    // Loaded from the unpacked bundle, it answers as the platform expects.
    let out = Command::new(common::host())
        .arg(dir.join(linux))
        .arg("members")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["methods"][0]["en"], "MakeCert");

    // Every file in the ZIP is named by the manifest (no stray files).
    let listing = Command::new("unzip").arg("-Z1").arg(&zip).output().unwrap();
    let names: Vec<String> = String::from_utf8_lossy(&listing.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    for name in &names {
        assert!(
            name == "MANIFEST.XML" || libraries.contains(name),
            "stray file {name} in the ZIP"
        );
    }
}
