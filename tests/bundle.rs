//! The ZIP 1C loads: MANIFEST.XML valid against the structure 1C expects, every library it
//! names present, and the library loadable from the unpacked bundle. scripts/test.sh makes
//! the bundle before the tests run.

mod support;

use std::path::Path;
use std::process::Command;

use support::attribute;

#[test]
fn the_bundle_is_what_1c_expects_and_its_library_loads() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let zip = root.join("target/bundle/Messenger.zip");
    assert!(
        zip.exists(),
        "{} is missing: run scripts/build/bundle.sh (scripts/test.sh does)",
        zip.display()
    );
    let dir = support::temp_dir("bundle");
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
    check_components(&text, &dir);
    let linux = libraries
        .iter()
        .find(|p| p.contains("_Linux_x86_64_"))
        .expect("a Linux x86_64 library");

    // Loaded from the unpacked bundle, it answers as the platform expects.
    let out = Command::new(support::host())
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

/// Each library is a binary of the architecture its `arch` names — PE32 for Windows i386, PE32+
/// for Windows x86_64, ELF32 i386 and ELF64 x86-64 for Linux — since 1C picks the file by that
/// attribute and a 64-bit library offered to a 32-bit client fails only on the user's machine.
/// The release bundle (BUNDLE_RELEASE=1, scripts/build-release.sh) holds all four.
fn check_components(manifest: &str, dir: &Path) {
    let components: Vec<(String, String, String)> = manifest
        .split("<component ")
        .skip(1)
        .map(|c| {
            (
                attribute(c, "os"),
                attribute(c, "arch"),
                attribute(c, "path"),
            )
        })
        .collect();
    let mut kinds: Vec<String> = components
        .iter()
        .map(|(os, arch, _)| format!("{os} {arch}"))
        .collect();
    kinds.sort();
    if std::env::var("BUNDLE_RELEASE").as_deref() == Ok("1") {
        assert_eq!(
            kinds,
            [
                "Linux i386",
                "Linux x86_64",
                "Windows i386",
                "Windows x86_64"
            ],
            "BUNDLE_RELEASE=1 but the bundle is not the release one:\n{manifest}"
        );
    }
    let before = kinds.len();
    kinds.dedup();
    assert_eq!(
        kinds.len(),
        before,
        "an os and arch named twice:\n{manifest}"
    );
    for (os, arch, path) in &components {
        let image = std::fs::read(dir.join(path)).unwrap();
        let found = match os.as_str() {
            "Windows" => {
                assert!(path.ends_with(".dll"), "{path}");
                pe_kind(&image).unwrap_or_else(|| panic!("{path} is not a PE DLL"))
            }
            "Linux" => {
                assert!(path.ends_with(".so"), "{path}");
                elf_kind(&image).unwrap_or_else(|| panic!("{path} is not an ELF shared object"))
            }
            other => panic!("unexpected os {other} in {manifest}"),
        };
        let expected = match (os.as_str(), arch.as_str()) {
            ("Windows", "i386") => (0x014c, 0x010b), // IMAGE_FILE_MACHINE_I386, PE32
            ("Windows", "x86_64") => (0x8664, 0x020b), // IMAGE_FILE_MACHINE_AMD64, PE32+
            ("Linux", "i386") => (3, 1),             // EM_386, ELFCLASS32
            ("Linux", "x86_64") => (62, 2),          // EM_X86_64, ELFCLASS64
            _ => panic!("unexpected arch {arch} for {os}"),
        };
        assert_eq!(
            found, expected,
            "{path} ({os} {arch}): machine and class {found:x?}"
        );
    }
}

/// The machine and the class of an ELF shared object (ET_DYN), little-endian.
fn elf_kind(image: &[u8]) -> Option<(u16, u16)> {
    if image.get(..4)? != b"\x7fELF" || *image.get(5)? != 1 {
        return None;
    }
    let u16_at = |at: usize| Some(u16::from_le_bytes(image.get(at..at + 2)?.try_into().ok()?));
    const ET_DYN: u16 = 3;
    if u16_at(16)? != ET_DYN {
        return None;
    }
    Some((u16_at(18)?, u16::from(*image.get(4)?)))
}

/// The machine and the optional header's magic of a PE image that is a DLL.
fn pe_kind(image: &[u8]) -> Option<(u16, u16)> {
    let u16_at = |at: usize| Some(u16::from_le_bytes(image.get(at..at + 2)?.try_into().ok()?));
    let u32_at = |at: usize| Some(u32::from_le_bytes(image.get(at..at + 4)?.try_into().ok()?));
    if image.get(..2)? != b"MZ" {
        return None;
    }
    let pe = usize::try_from(u32_at(0x3c)?).ok()?;
    if image.get(pe..pe + 4)? != b"PE\0\0" {
        return None;
    }
    let machine = u16_at(pe + 4)?;
    let characteristics = u16_at(pe + 22)?;
    const IMAGE_FILE_DLL: u16 = 0x2000;
    if characteristics & IMAGE_FILE_DLL == 0 {
        return None;
    }
    Some((machine, u16_at(pe + 24)?))
}
