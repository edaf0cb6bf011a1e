//! Issue 12: the libraries that ship load wherever 1C runs.
//!
//! - Static checks of every library in target/bundle/Messenger.zip (scripts/build/bundle.sh; with
//!   BUNDLE_RELEASE=1 all four must be there): Linux glibc symbol versions <= 2.17 and NEEDED
//!   only glibc and libgcc_s, Windows import tables within Windows 7 SP1's exports
//!   (tests/platforms/windows7-sp1-exports.txt), sizes.
//! - The x86_64 library run by the C++ host built inside a Debian 11 root file system
//!   (scripts/build/build-bullseye-root.sh, glibc 2.31): a certificate, an XMPP message to a local
//!   ejabberd, a Telegram call to the Bot API stand-in.
//! - The i686 library run by the same host built with `g++ -m32`, the same calls.
//!
//! The libraries tested are the bundle's own copies, so what ships is what runs here: the
//! x86_64 library is built once (glibc 2.17 symbols, scripts/build/build-linux.sh) and not a second
//! time for these tests.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;
use support::xmpp::{Kind, Server};
use support::{attribute, root};

const MB: u64 = 1_000_000;
/// Each library at most 5 MB, the ZIP of four at most 10 MB (issue 12).
const LIBRARY_LIMIT: u64 = 5 * MB;
const ZIP_LIMIT: u64 = 10 * MB;
/// The newest glibc symbol version a Linux library may bind to: CentOS / RHEL 7's, Rust's floor.
const GLIBC_MAX: (u32, u32) = (2, 17);
/// glibc's own libraries and the dynamic linker, and libgcc_s (unwinding): present on every
/// Linux system 1C runs on. Anything else (libssl, libstdc++, ...) would have to be installed.
const LINUX_NEEDED_ALLOWED: &[&str] = &[
    "libc.so.6",
    "libm.so.6",
    "libdl.so.2",
    "libpthread.so.0",
    "librt.so.1",
    "libgcc_s.so.1",
    "ld-linux-x86-64.so.2",
    "ld-linux.so.2",
];

/// One library of the bundle, as MANIFEST.XML names it.
struct Component {
    os: String,
    arch: String,
    file: PathBuf,
}

/// The bundle, unpacked once per test binary.
fn bundle() -> &'static [Component] {
    static BUNDLE: OnceLock<Vec<Component>> = OnceLock::new();
    BUNDLE.get_or_init(|| {
        let zip = root().join("target/bundle/Messenger.zip");
        assert!(
            zip.is_file(),
            "{} is missing: run scripts/build-release.sh (scripts/test.sh does)",
            zip.display()
        );
        let dir = support::temp_dir("platforms-bundle");
        let status = Command::new("unzip")
            .arg("-q")
            .arg(&zip)
            .arg("-d")
            .arg(&dir)
            .status()
            .expect("unzip");
        assert!(status.success());
        let manifest = std::fs::read_to_string(dir.join("MANIFEST.XML")).unwrap();
        let components: Vec<Component> = manifest
            .split("<component ")
            .skip(1)
            .map(|c| Component {
                os: attribute(c, "os"),
                arch: attribute(c, "arch"),
                file: dir.join(attribute(c, "path")),
            })
            .collect();
        if std::env::var("BUNDLE_RELEASE").as_deref() == Ok("1") {
            let mut kinds: Vec<String> = components
                .iter()
                .map(|c| format!("{} {}", c.os, c.arch))
                .collect();
            kinds.sort();
            assert_eq!(
                kinds,
                [
                    "Linux i386",
                    "Linux x86_64",
                    "Windows i386",
                    "Windows x86_64"
                ],
                "BUNDLE_RELEASE=1: the release bundle holds all four libraries"
            );
        }
        components
    })
}

fn component(os: &str, arch: &str) -> Option<&'static Component> {
    bundle().iter().find(|c| c.os == os && c.arch == arch)
}

fn output(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

// ---- static checks ------------------------------------------------------------------------

/// What is wrong with a Linux library: glibc versions above 2.17, NEEDED entries beyond glibc
/// and libgcc_s, the wrong ELF class for `arch`. Empty when nothing is.
fn linux_problems(lib: &Path, arch: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let header = output(Command::new("readelf").arg("-h").arg(lib));
    let machine = match arch {
        "i386" => "Intel 80386",
        _ => "Advanced Micro Devices X86-64",
    };
    if !header.contains(machine) {
        problems.push(format!("not a {machine} ELF file"));
    }
    let symbols = output(Command::new("objdump").arg("-T").arg(lib));
    let mut versions: Vec<(u32, u32, u32)> = symbols
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter_map(|w| w.strip_prefix("GLIBC_"))
        .filter_map(|v| {
            let mut parts = v.split('.').map(|p| p.parse::<u32>().ok());
            Some((
                parts.next()??,
                parts.next()??,
                parts.next().flatten().unwrap_or(0),
            ))
        })
        .collect();
    versions.sort_unstable();
    versions.dedup();
    match versions.last() {
        None => problems.push("no GLIBC_ symbol versions at all".into()),
        Some(&(major, minor, _)) if (major, minor) > GLIBC_MAX => {
            let newer: Vec<String> = symbols
                .lines()
                .filter(|l| {
                    l.split_whitespace()
                        .filter_map(|w| w.trim_matches(['(', ')']).strip_prefix("GLIBC_"))
                        .any(|v| {
                            let mut p = v.split('.').map(|x| x.parse::<u32>().unwrap_or(0));
                            (p.next().unwrap_or(0), p.next().unwrap_or(0)) > GLIBC_MAX
                        })
                })
                .take(10)
                .map(|l| {
                    l.split_whitespace()
                        .rev()
                        .take(2)
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect();
            problems.push(format!(
                "binds to GLIBC_{major}.{minor} (> 2.17): {}",
                newer.join(", ")
            ));
        }
        Some(_) => {}
    }
    let dynamic = output(Command::new("objdump").arg("-p").arg(lib));
    for needed in dynamic
        .lines()
        .filter_map(|l| l.trim().strip_prefix("NEEDED"))
        .map(str::trim)
    {
        if !LINUX_NEEDED_ALLOWED.contains(&needed) {
            problems.push(format!("needs {needed}, which is not glibc or libgcc_s"));
        }
    }
    problems
}

/// The Windows 7 SP1 functions (DLL names lowercase): tests/platforms/windows7-sp1-exports.txt.
fn windows7_exports() -> std::collections::HashSet<String> {
    std::fs::read_to_string(root().join("tests/platforms/windows7-sp1-exports.txt"))
        .expect("tests/platforms/windows7-sp1-exports.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.trim().to_ascii_lowercase())
        .collect()
}

/// The import table of a PE DLL as `dll!function` (DLL name lowercase, without the
/// extension's case), read with mingw-w64's objdump.
fn pe_imports(dll: &Path, arch: &str) -> Vec<String> {
    let objdump = match arch {
        "i386" => "i686-w64-mingw32-objdump",
        _ => "x86_64-w64-mingw32-objdump",
    };
    let text = output(Command::new(objdump).arg("-p").arg(dll));
    let mut imports = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let trimmed = line.trim();
        if let Some(name) = trimmed.strip_prefix("DLL Name:") {
            current = Some(name.trim().to_ascii_lowercase());
            continue;
        }
        if trimmed.is_empty() {
            current = None;
            continue;
        }
        let Some(dll_name) = &current else { continue };
        // "vma  hint  Name" rows; the header row ("vma:  Hint/Ord Member-Name ...") is skipped.
        let fields: Vec<&str> = trimmed.split_whitespace().collect();
        if fields.len() >= 3
            && u64::from_str_radix(fields[0], 16).is_ok()
            && fields[1].parse::<u32>().is_ok()
        {
            imports.push(format!("{dll_name}!{}", fields[2]));
        } else if fields.len() == 2 && u64::from_str_radix(fields[0], 16).is_ok() {
            // An import by ordinal only: no name to check, so it cannot be allowed.
            imports.push(format!("{dll_name}!#ordinal {}", fields[1]));
        }
    }
    imports
}

/// Imports of a DLL that Windows 7 SP1 does not export (per the list), with the PE kind.
fn windows_problems(dll: &Path, arch: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let file = output(Command::new("file").arg("-b").arg(dll));
    let kind = match arch {
        "i386" => "PE32 executable (DLL)",
        _ => "PE32+ executable (DLL)",
    };
    if !file.starts_with(kind) {
        problems.push(format!("not a {kind}: {file}"));
    }
    let allowed = windows7_exports();
    let imports = pe_imports(dll, arch);
    if imports.len() < 50 {
        problems.push(format!(
            "only {} imports read: the objdump output was not understood",
            imports.len()
        ));
    }
    for import in imports {
        let key = import.replacen(".dll!", "!", 1).to_ascii_lowercase();
        if !allowed.contains(&key) {
            problems.push(format!("imports {import}, not in Windows 7 SP1's exports"));
        }
    }
    problems
}

#[test]
fn static_checks_every_shipped_library_loads_on_old_systems_and_fits_the_size_limits() {
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for c in bundle() {
        let problems = match c.os.as_str() {
            "Linux" => linux_problems(&c.file, &c.arch),
            "Windows" => windows_problems(&c.file, &c.arch),
            other => vec![format!("unexpected os {other}")],
        };
        let size = std::fs::metadata(&c.file).unwrap().len();
        let mut problems = problems;
        if size > LIBRARY_LIMIT {
            problems.push(format!("{size} bytes, over the {LIBRARY_LIMIT} limit"));
        }
        report.push(format!("{} {}: {size} bytes", c.os, c.arch));
        for p in problems {
            failures.push(format!("{} {} ({}): {p}", c.os, c.arch, c.file.display()));
        }
    }
    let zip = std::fs::metadata(root().join("target/bundle/Messenger.zip"))
        .unwrap()
        .len();
    report.push(format!("ZIP: {zip} bytes"));
    if zip > ZIP_LIMIT {
        failures.push(format!(
            "the ZIP is {zip} bytes, over the {ZIP_LIMIT} limit"
        ));
    }
    println!("{}", report.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn static_checks_catch_a_library_linked_against_the_build_machines_glibc() {
    // The check must be able to fail. Debian 12's own libcrypto.so.3 (libssl3, installed with
    // openssl: scripts/deps/*.apt) was linked by the system's ld as ours once was: it binds
    // pthread_once, dlerror and more to GLIBC_2.34 while needing nothing beyond libc.so.6, the
    // failure of issue 12 (`version 'GLIBC_2.34' not found` on older systems). A system
    // library rather than a second build of ours with the system's linker: CI builds the
    // x86_64 library once. Only meaningful where the build machine's glibc is newer than 2.17,
    // as on every supported build machine (Debian 12: 2.36).
    let lib = [
        "/usr/lib/x86_64-linux-gnu",
        "/lib/x86_64-linux-gnu",
        "/usr/lib64",
    ]
    .iter()
    .map(|dir| Path::new(dir).join("libcrypto.so.3"))
    .find(|lib| lib.is_file())
    .expect("libcrypto.so.3 is missing (apt-get install libssl3; openssl depends on it)");
    let problems = linux_problems(&lib, "x86_64");
    assert!(
        problems.iter().any(|p| p.contains("(> 2.17)")),
        "the check passed {}, which binds to GLIBC_2.34: {problems:?}",
        lib.display()
    );
}

#[test]
fn static_checks_catch_an_import_windows_7_lacks() {
    // The list itself: the functions that made the pc-windows-gnu DLLs need Windows 10 are out.
    let allowed = windows7_exports();
    for missing in [
        "bcryptprimitives!processprng",
        "kernel32!getsystemtimepreciseasfiletime",
        "kernel32!waitonaddress",
        "kernel32!createfile2",
        "kernel32!setthreaddescription",
        "api-ms-win-core-synch-l1-2-0!waitonaddress",
    ] {
        assert!(
            !allowed.contains(missing),
            "{missing} is in the Windows 7 list"
        );
    }
    for present in [
        "kernel32!getprocaddress",
        "kernel32!getsystemtimeasfiletime",
        "advapi32!systemfunction036",
        "bcrypt!bcryptgenrandom",
        "ws2_32!wsasocketw",
        "crypt32!certopenstore",
    ] {
        assert!(
            allowed.contains(present),
            "{present} is not in the Windows 7 list"
        );
    }
}

// ---- the libraries run -------------------------------------------------------------------

/// How to run the host with one library: the command up to (and including) the library path,
/// and where a directory visible to the host as `inside` is on this machine.
struct Runner {
    /// Program and arguments before the host's mode.
    prefix: Vec<String>,
    /// A working directory the host sees, as (path for the host, path here).
    work: (String, PathBuf),
}

impl Runner {
    fn call(&self, args: &[&str]) -> Value {
        let mut cmd = Command::new(&self.prefix[0]);
        cmd.args(&self.prefix[1..]).arg("call").args(args);
        let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let line = stdout.lines().last().unwrap_or_default();
        let value: Value = serde_json::from_str(line).unwrap_or_else(|_| {
            panic!(
                "host call {args:?} gave no JSON (status {:?}):\n{stdout}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )
        });
        assert_eq!(
            value["memory_balanced"], true,
            "{args:?}: memory not balanced: {value}"
        );
        value
    }

    /// A file put where the host sees it; returns the host's path for it.
    fn put(&self, name: &str, contents: &str) -> String {
        std::fs::write(self.work.1.join(name), contents).unwrap();
        format!("{}/{name}", self.work.0)
    }
}

/// ejabberd for this test binary, with the receiver logged in as bob (ports from 6222 on,
/// moved by MESSENGER_XMPP_TEST_PORT_SHIFT like every XMPP test).
fn ejabberd() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| Server::start_at(Kind::Ejabberd, "platforms", 6222, true))
}

/// The calls each platform test makes: a certificate, an XMPP message received by a real
/// client, a Telegram call answered by the stand-in.
fn real_calls(runner: &Runner, tag: &str) {
    // MakeCert: the files written, and OpenSSL reads the certificate back.
    let made = runner.call(&[
        "MakeCert",
        "s:127.0.0.1",
        &format!("s:{}/cert", runner.work.0),
        "s:pfx-password",
    ]);
    assert_eq!(made["ok"], true, "MakeCert: {made}");
    let pem = runner.work.1.join("cert/cert.pem");
    let subject = output(
        Command::new("openssl")
            .args(["x509", "-noout", "-subject", "-in"])
            .arg(&pem),
    );
    assert!(subject.contains("127.0.0.1"), "{subject}");

    // SendXmpp to the local ejabberd; bob's client receives it.
    let server = ejabberd();
    let trusted = runner.put("xmpp.pem", &server.cert_pem);
    let text = support::xmpp::body(&format!("platforms {tag} Привет"));
    let sent = runner.call(&[
        "--set",
        &format!("TrustedCertificates=S:@{trusted}"),
        "--set",
        "Timeout=n:15",
        "SendXmpp",
        "s:alice@localhost",
        "s:alicepw",
        "s:bob@localhost",
        &format!("s:{text}"),
        &format!("s:{{\"server\": \"127.0.0.1:{}\"}}", server.c2s),
    ]);
    assert_eq!(sent["ok"], true, "SendXmpp: {sent}");
    server.expect_body(&text);

    // SendTelegram to the Bot API stand-in over HTTPS.
    let standin = support::telegram::StandIn::start();
    let trusted = runner.put("telegram.pem", &standin.cert_pem);
    let text = format!("platforms {tag} 😀");
    let sent = runner.call(&[
        "--set",
        &format!("TelegramApiUrl=s:{}", standin.base_url()),
        "--set",
        &format!("TrustedCertificates=S:@{trusted}"),
        "SendTelegram",
        "s:4242:AAplatformsSecret",
        "n:42",
        &format!("s:{text}"),
    ]);
    assert_eq!(sent["ok"], true, "SendTelegram: {sent}");
    let requests = standin.requests();
    assert!(
        requests
            .iter()
            .any(|r| r["method"] == "sendMessage" && r["params"]["text"] == text.as_str()),
        "the stand-in did not see the message: {requests:?}"
    );
}

#[test]
fn the_x86_64_library_works_in_a_debian_11_root_with_a_host_built_there() {
    let lib = &component("Linux", "x86_64")
        .expect("the bundle has no Linux x86_64 library")
        .file;
    // The root (made once, kept under target/) and the host built inside it by its own g++.
    let out = Command::new("bash")
        .arg(root().join("scripts/build/build-bullseye-root.sh"))
        .output()
        .expect("bash");
    assert!(
        out.status.success(),
        "scripts/build/build-bullseye-root.sh failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let chroot = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let inside = format!("/opt/messenger/run-{}", std::process::id());
    let work = chroot.join(inside.trim_start_matches('/'));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    std::fs::copy(lib, work.join("libmessenger.so")).unwrap();

    // The glibc the host runs on there is older than the build machine's.
    let ldd = output(
        Command::new("chroot")
            .arg(&chroot)
            .args(["ldd", "--version"]),
    );
    assert!(ldd.contains("2.31"), "{ldd}");

    // chroot in a mount namespace of its own with /proc mounted: the mount ends with the host.
    let runner = Runner {
        prefix: vec![
            "unshare".into(),
            "--mount".into(),
            "--propagation".into(),
            "private".into(),
            "sh".into(),
            "-c".into(),
            "mount -t proc proc \"$0/proc\" && exec chroot \"$0\" \"$@\"".into(),
            chroot.to_string_lossy().into_owned(),
            "/opt/messenger/host".into(),
            format!("{inside}/libmessenger.so"),
        ],
        work: (inside, work.clone()),
    };
    // The library answers as the platform expects before the network calls.
    let version = runner.call(&["Version"]);
    assert_eq!(version["value"], env!("CARGO_PKG_VERSION"), "{version}");
    real_calls(&runner, "bullseye");
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn the_i686_library_works_in_a_32_bit_host() {
    let lib = &component("Linux", "i386")
        .expect("the bundle has no Linux i386 library")
        .file;
    let dir = support::temp_dir("platforms-m32");
    let host = dir.join("host32");
    let out = Command::new("g++")
        .args([
            "-m32",
            "-std=c++17",
            "-O1",
            "-g",
            "-Wall",
            "-Wextra",
            "-Wno-unused-parameter",
            "-o",
        ])
        .arg(&host)
        .arg(root().join("tests/host/host.cpp"))
        .arg("-ldl")
        .output()
        .expect("g++ (with g++-multilib for -m32)");
    assert!(
        out.status.success(),
        "g++ -m32 failed (g++-multilib installed?):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let class = output(Command::new("readelf").arg("-h").arg(&host));
    assert!(class.contains("ELF32"), "the host is not 32-bit: {class}");

    let runner = Runner {
        prefix: vec![
            host.to_string_lossy().into_owned(),
            lib.to_string_lossy().into_owned(),
        ],
        work: (dir.to_string_lossy().into_owned(), dir.clone()),
    };
    let version = runner.call(&["Version"]);
    assert_eq!(version["value"], env!("CARGO_PKG_VERSION"), "{version}");
    real_calls(&runner, "i686");
}
