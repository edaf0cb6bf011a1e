//! The library as 1C loads it: the C++ host in tests/host/ is compiled with g++, dlopen()s the
//! release cdylib and drives it through real C++ virtual calls (see host.cpp for the modes).

mod support;

use support::{host, library, run_host};

#[test]
fn the_platform_call_sequence_passes_for_every_member() {
    let pem = support::temp_dir("seq").join("trusted.pem");
    std::fs::write(&pem, support::TEST_CERT_PEM).unwrap();
    let out = run_host(
        &["sequence"],
        &[
            ("MESSENGER_EXPECT_VERSION", env!("CARGO_PKG_VERSION")),
            ("MESSENGER_TEST_PEM", pem.to_str().unwrap()),
        ],
    );
    assert!(out.passed >= 140, "too few checks ran: {}", out.passed);
    // The caught panic of __ProbePanic: its location reaches the 1C text, and nothing is
    // printed to the host's stderr (1C's server log).
    let panic_line = out
        .stdout
        .lines()
        .find(|l| l.contains("[INTERNAL_PANIC]"))
        .expect("the panic check ran");
    assert!(
        panic_line.contains("(at src/addin/probes.rs:"),
        "no location in: {panic_line}"
    );
    assert!(
        !out.stderr.contains("panicked at"),
        "the panic was printed to the host's stderr:\n{}",
        out.stderr
    );
}

#[test]
fn every_bad_input_gives_a_clear_error_and_leaks_nothing() {
    let out = run_host(&["badinput"], &[]);
    assert!(
        out.passed >= 200,
        "too few bad-input cases ran: {}",
        out.passed
    );
}

#[test]
fn a_seeded_random_run_of_100000_calls_neither_crashes_nor_leaks() {
    // Three seeds, each bounded in count and in time (the bound is a stop, not an assertion).
    for seed in ["1", "20261123", "987654321"] {
        let out = run_host(&["random", seed, "100000", "120"], &[]);
        assert!(
            out.stdout.contains("random calls: 100000"),
            "seed {seed} stopped early:\n{}",
            out.stdout
        );
    }
}

#[test]
fn the_members_listing_is_what_1c_discovers() {
    let out = std::process::Command::new(host())
        .arg(library())
        .arg("members")
        .output()
        .unwrap();
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["properties"].as_array().unwrap().len(), 7);
    assert_eq!(json["methods"].as_array().unwrap().len(), 19);
    assert_eq!(json["methods"][10]["ru"], "ОтправитьXMPP");
    assert_eq!(json["methods"][15]["ru"], "СостояниеXMPPОтправки");
    assert_eq!(json["methods"][16]["ru"], "ОтправитьФайлXMPP");
    assert_eq!(json["methods"][17]["ru"], "ОтправитьXMPPФайл");
    assert_eq!(json["methods"][18]["ru"], "ПолучитьXMPPКонтакты");
}

#[test]
fn one_call_from_the_command_line_reports_errors_in_russian() {
    let out = std::process::Command::new(host())
        .args([
            library().as_str(),
            "call",
            "--lang",
            "ru",
            "GetWebhookInfo",
            "n:5",
        ])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["ok"], false);
    assert_eq!(
        json["error"],
        "[ARG_TYPE] ПолучитьИнформациюWebhook: параметр 1 (Токен): ожидается Строка, передано Число"
    );
    assert_eq!(json["memory_balanced"], true);
}

#[test]
fn the_load_benchmark_loads_the_library_afresh_each_time() {
    // scripts/bench/bench-load.sh's mode: every load in a fresh child, the first call answered.
    let out = std::process::Command::new(host())
        .args([library().as_str(), "load", "3"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.starts_with("messenger      n=3 "),
        "status {:?}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn under_valgrind_no_call_reads_or_writes_memory_it_does_not_own() {
    // memcheck sees what the allocation counter cannot: reads past a string, writes into
    // freed blocks, uninitialised variant fields. Sequence and bad-input table, both.
    for mode in ["sequence", "badinput"] {
        let out = std::process::Command::new("valgrind")
            .args(["-q", "--error-exitcode=97", "--track-origins=no"])
            .arg(host())
            .arg(library())
            .arg(mode)
            .current_dir(support::temp_dir("valgrind"))
            .output()
            .expect("valgrind is needed (apt-get install valgrind)");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let valgrind_lines: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("=="))
            .take(40)
            .collect();
        assert!(
            out.status.success() && valgrind_lines.is_empty(),
            "{mode} under valgrind: status {:?}\n{}\n{}",
            out.status,
            valgrind_lines.join("\n"),
            stdout
                .lines()
                .filter(|l| l.starts_with("not ok"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

#[test]
fn the_header_compiles_as_c_with_its_layout_checks() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new("gcc")
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-fsyntax-only"])
        .arg(root.join("tests/host/header_check.c"))
        .output()
        .expect("gcc is needed (apt-get install gcc)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_hanging_name_lookup_ends_at_timeout_and_unloading_after_it_does_not_crash_the_host() {
    // A DNS server that never answers: a UDP socket bound and never read (no ICMP "port
    // unreachable" either, so the resolver waits out its full timeout). Port 53 needs root,
    // which the CI machine has (it installs packages).
    let address = format!("127.53.{}.1", std::process::id() % 250 + 1);
    let silent = std::net::UdpSocket::bind((address.as_str(), 53)).unwrap_or_else(|e| {
        panic!("bind {address}:53 for the silent DNS server (needs root): {e}")
    });
    // Only the host sees this resolver: its own mount namespace gets the file over
    // /etc/resolv.conf. 10 s per lookup, against the calls' Timeout of 2 s.
    let dir = support::temp_dir("dns-unload");
    let conf = dir.join("resolv.conf");
    std::fs::write(
        &conf,
        format!("nameserver {address}\noptions timeout:10 attempts:1\n"),
    )
    .expect("write resolv.conf");
    let out = std::process::Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg("mount --bind \"$1\" /etc/resolv.conf && shift && exec \"$@\"")
        .arg("sh")
        .arg(&conf)
        .arg(host())
        .arg(library())
        .args(["dns-unload", "xmpp.lookup-hangs.test", "11"])
        .current_dir(&dir)
        .output()
        .expect("unshare (util-linux) is needed");
    drop(silent);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let failures: Vec<&str> = stdout.lines().filter(|l| l.starts_with("not ok")).collect();
    assert!(
        out.status.success() && failures.is_empty() && stdout.contains("15 passed, 0 failed"),
        "status {:?}\n{stdout}\n--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}
