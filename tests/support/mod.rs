//! What the integration tests share, in one place: each test file says `mod support;`.
//!
//! Here: the built library, the compiled C++ host, temp dirs. Submodules: `net` (free ports,
//! waiting for a port), `child` (child processes with their output lines followed), `pumps`
//! (TCP proxies that forward until told to misbehave), `tls` (openssl-made certificates,
//! `openssl s_server`), `proxy` (tinyproxy, microsocks), `bsl` (the BSL tokenizer and block
//! checker of tests/extension.rs), `telegram` (the Bot API stand-in, the webhook endpoint) and
//! `xmpp` (throwaway ejabberd / Prosody servers and their matrices). Not every test binary uses
//! every helper, hence the `allow(dead_code)`.
#![allow(dead_code)]

pub mod bsl;
pub mod child;
pub mod net;
pub mod proxy;
pub mod pumps;
pub mod telegram;
pub mod tls;
pub mod xmpp;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The directory cargo builds into for this profile (target/release-tests when run by
/// scripts/test.sh, target/release or target/debug by hand).
fn profile_dir() -> PathBuf {
    // The test binary lives in <profile>/deps/.
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent()
        .and_then(Path::parent)
        .expect("profile directory")
        .to_path_buf()
}

/// The cdylib under test: MESSENGER_TEST_LIBRARY when set (scripts/test.sh sets it to the x86_64
/// library that ships, so the tests run what 1C gets, built before the tests by
/// scripts/build/build-linux.sh), else the profile's own libmessenger.so (`cargo build --lib` with the
/// same profile first, when the tests run by hand). A missing library is a clear failure.
pub fn library() -> String {
    let lib = std::env::var_os("MESSENGER_TEST_LIBRARY")
        .map(PathBuf::from)
        .unwrap_or_else(|| profile_dir().join("libmessenger.so"));
    assert!(
        lib.exists(),
        "{} is missing: build it first (scripts/test.sh does; by hand: cargo build --lib with the profile of the tests)",
        lib.display()
    );
    // By hand, the profile's cdylib can be older than the code under test: cargo rebuilds the
    // rlib the test binaries link, not always the cdylib the host loads. Testing old code
    // passes or fails for the wrong reason, so say so instead.
    if std::env::var_os("MESSENGER_TEST_LIBRARY").is_none() {
        let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        let rlib = profile_dir().join("libmessenger.rlib");
        if let (Some(so), Some(rlib_time)) = (modified(&lib), modified(&rlib)) {
            // Both come out of one build a moment apart; a stale one is a build older.
            assert!(
                so + std::time::Duration::from_secs(10) >= rlib_time,
                "{} is older than the code the tests were built from ({}): run cargo build --lib \
                 with the profile of the tests first",
                lib.display(),
                rlib.display()
            );
        }
    }
    lib.to_string_lossy().into_owned()
}

/// The C++ host, compiled once per test binary with g++ from tests/host/host.cpp.
pub fn host() -> PathBuf {
    static HOST: OnceLock<PathBuf> = OnceLock::new();
    HOST.get_or_init(|| {
        let out = profile_dir().join(format!("messenger-test-host-{}", std::process::id()));
        compile_cpp("tests/host/host.cpp", &out, &[]);
        out
    })
    .clone()
}

/// Compiles the C++ file `source` (relative to the repository) into `out` with g++, the warnings
/// the hosts are held to (`-Wall -Wextra -Werror`) and any `extra` flags; a failure is the
/// test's failure.
pub fn compile_cpp(source: &str, out: &Path, extra: &[&str]) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let status = Command::new("g++")
        .args([
            "-std=c++17",
            "-O1",
            "-g",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-Wno-unused-parameter",
        ])
        .args(extra)
        .arg("-o")
        .arg(out)
        .arg(root.join(source))
        .arg("-ldl")
        .status()
        .expect("g++ is needed for the host tests (apt-get install g++)");
    assert!(status.success(), "{source} did not compile");
}

pub struct HostRun {
    pub stdout: String,
    pub stderr: String,
    pub passed: usize,
}

/// Runs the host in a test mode and asserts that it passed, printing what failed.
pub fn run_host(args: &[&str], env: &[(&str, &str)]) -> HostRun {
    let mut cmd = Command::new(host());
    cmd.arg(library()).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    // Real methods reached with good-looking random arguments may write files: keep them here.
    cmd.current_dir(temp_dir(args[0]));
    let out = cmd.output().expect("run the host");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let failures: Vec<&str> = stdout.lines().filter(|l| l.starts_with("not ok")).collect();
    assert!(
        out.status.success() && failures.is_empty(),
        "host {args:?} failed (status {:?}):\n{}\n--- stderr (tail) ---\n{}",
        out.status,
        failures.join("\n"),
        stderr.lines().rev().take(20).collect::<Vec<_>>().join("\n")
    );
    let passed = stdout.lines().filter(|l| l.starts_with("ok")).count();
    HostRun {
        stdout,
        stderr,
        passed,
    }
}

/// The repository (the crate's root).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The value of the attribute `name="..."` in an XML element's text (MANIFEST.XML's, the
/// bundle's); the test fails when it is missing.
pub fn attribute(element: &str, name: &str) -> String {
    let start = element
        .find(&format!("{name}=\""))
        .unwrap_or_else(|| panic!("no {name} in {element}"))
        + name.len()
        + 2;
    element[start..].split('"').next().unwrap().to_owned()
}

/// A fresh directory removed on drop. It is made under the system's temporary directory, not
/// under target/ as [`temp_dir`]'s: its paths stay short, and errors quote a path cut to 64
/// characters, in which the tests look for the file's name.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        TempDir(fresh_dir(
            &std::env::temp_dir(),
            &format!("messenger-tg-{tag}"),
        ))
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh directory for one test, under the target directory (not /tmp, which may be small).
pub fn temp_dir(name: &str) -> PathBuf {
    fresh_dir(&profile_dir().join("test-tmp"), name)
}

/// `base/name-PID-N`, made empty.
fn fresh_dir(base: &Path, name: &str) -> PathBuf {
    let dir = base.join(format!("{name}-{}-{}", std::process::id(), unique()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a test directory");
    dir
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// A real self-signed certificate (CN=localhost, P-256), made with openssl for the tests.
pub const TEST_CERT_PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBfDCCASOgAwIBAgIULndML6sB+MSblEqVU6BtgJqeAAYwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MB4XDTI2MTEyMzA3NDUwNFoXDTM2MTEyMDA3
NDUwNFowFDESMBAGA1UEAwwJbG9jYWxob3N0MFkwEwYHKoZIzj0CAQYIKoZIzj0D
AQcDQgAEWchY/alSMx+AUtpjbJYFXJaAKPLfAHjJvkvtCzaAWnXTX6BQuatIfZQS
XTBPA6fgNwEnmE5c1kvJZ4DCK3d0y6NTMFEwHQYDVR0OBBYEFCgBevgWG84G/4eJ
CE7CtupsBUNtMB8GA1UdIwQYMBaAFCgBevgWG84G/4eJCE7CtupsBUNtMA8GA1Ud
EwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDRwAwRAIgbKmiWsj5cDgt+xJcF9oA/szL
9AKV53f7qDw08zS4dE0CIE/tmixCHmVL8TKsGbxjIio1tWQ5o4V1XYtC0soZXOpo
-----END CERTIFICATE-----
";
