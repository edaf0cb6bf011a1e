//! MakeCert refuses bad input with a clear, coded error in both languages and leaves nothing
//! behind; existing files are kept unless `overwrite` says otherwise; the command-line face
//! reports the same errors.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use messenger::cert::{make_cert, CertOptions, CertRequest, Error};
use messenger::i18n::{Lang, Localized};

fn request(cn: &str, dir: &Path, options: CertOptions) -> CertRequest {
    CertRequest {
        common_name: cn.to_owned(),
        directory: Some(dir.to_path_buf()),
        pfx_password: "secret-Пароль".to_owned(),
        options,
    }
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The call fails with `code`, says something in both languages that names the problem, and
/// the target directory is not even created.
fn refused(cn: &str, options: CertOptions, code: &str, mentions: &str) -> Error {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ssl");
    let err = make_cert(&request(cn, &dir, options)).unwrap_err();
    assert_eq!(err.code(), code, "{err}");
    for lang in [Lang::En, Lang::Ru] {
        let text = err.message(lang);
        assert!(
            text.contains(mentions),
            "{lang:?}: {text:?} lacks {mentions:?}"
        );
        assert!(!text.contains("secret-Пароль"), "password leaked: {text}");
    }
    assert!(!dir.exists(), "{code}: the directory was created");
    assert!(listing(tmp.path()).is_empty());
    err
}

fn opts() -> CertOptions {
    CertOptions::default()
}

#[test]
fn every_subject_limit_is_enforced_with_its_own_code() {
    let cn65 = format!("{}.example", "a".repeat(57));
    assert_eq!(cn65.chars().count(), 65);
    refused(&cn65, opts(), "CERT_CN_TOO_LONG", "65");
    refused("", opts(), "CERT_CN_EMPTY", "CN");

    let o = |organization: String| CertOptions {
        organization: Some(organization),
        ..opts()
    };
    // 64 Cyrillic letters are 128 bytes, and allowed; 65 are not.
    assert!(make_cert(&CertRequest {
        directory: None,
        ..request("127.0.0.1", Path::new(""), o("Я".repeat(64)))
    })
    .is_ok());
    refused(
        "127.0.0.1",
        o("Я".repeat(65)),
        "CERT_ORGANIZATION_TOO_LONG",
        "64",
    );

    refused(
        "127.0.0.1",
        CertOptions {
            unit: Some("Ю".repeat(65)),
            ..opts()
        },
        "CERT_UNIT_TOO_LONG",
        "OU",
    );
    refused(
        "127.0.0.1",
        CertOptions {
            locality: Some("Л".repeat(129)),
            ..opts()
        },
        "CERT_LOCALITY_TOO_LONG",
        "128",
    );
    refused(
        "127.0.0.1",
        CertOptions {
            state: Some("С".repeat(129)),
            ..opts()
        },
        "CERT_STATE_TOO_LONG",
        "ST",
    );
    refused(
        "127.0.0.1",
        CertOptions {
            email: Some(format!("{}@example.com", "e".repeat(117))),
            ..opts()
        },
        "CERT_EMAIL_TOO_LONG",
        "129",
    );
    refused(
        "127.0.0.1",
        CertOptions {
            email: Some("админ@пример.рф".into()),
            ..opts()
        },
        "CERT_EMAIL_INVALID",
        "админ@пример.рф",
    );
    for country in ["RUS", "R", "Р1"] {
        refused(
            "127.0.0.1",
            CertOptions {
                country: Some(country.into()),
                ..opts()
            },
            "CERT_COUNTRY_INVALID",
            country,
        );
    }
    refused(
        "127.0.0.1",
        CertOptions {
            organization: Some("ООО\nРомашка".into()),
            ..opts()
        },
        "CERT_FIELD_CONTROL_CHARACTER",
        "O",
    );
}

#[test]
fn malformed_addresses_and_names() {
    for cn in ["300.1.1.1", "1.2.3", "127.0.0.1:8443", "[::1]"] {
        refused(cn, opts(), "CERT_IP_INVALID", cn);
    }
    refused(
        "127.0.0.1",
        CertOptions {
            alt_names: Some(vec!["10.0.0.1".into(), "1.2.3.256".into()]),
            ..opts()
        },
        "CERT_IP_INVALID",
        "alt_names[1]",
    );
    // Telegram's host check would refuse such a certificate for the IP (see cert_peers.rs).
    refused(
        "127.0.0.1",
        CertOptions {
            alt_names: Some(vec!["::1".into(), "webhook.example.test".into()]),
            ..opts()
        },
        "CERT_DNS_ALT_NAME_WITH_IP_CN",
        "Telegram",
    );
    for cn in [
        "https://example.com/",
        "bad_name.example",
        "-x.example",
        "a..example",
    ] {
        refused(cn, opts(), "CERT_DNS_NAME_INVALID", cn);
    }
}

#[test]
fn other_options_are_checked() {
    for days in [0, 3651] {
        refused(
            "127.0.0.1",
            CertOptions {
                days: Some(days),
                ..opts()
            },
            "CERT_DAYS_OUT_OF_RANGE",
            "3650",
        );
    }
    refused(
        "127.0.0.1",
        CertOptions {
            key: Some("rsa1024".into()),
            ..opts()
        },
        "CERT_KEY_TYPE_UNKNOWN",
        "ecdsa-p256",
    );
    for basename in ["../cert", "a/b", "", "con"] {
        refused(
            "127.0.0.1",
            CertOptions {
                basename: Some(basename.into()),
                ..opts()
            },
            "CERT_BASENAME_INVALID",
            "basename",
        );
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut no_password = request("127.0.0.1", &tmp.path().join("ssl"), opts());
    no_password.pfx_password.clear();
    assert_eq!(
        make_cert(&no_password).unwrap_err().code(),
        "CERT_PFX_PASSWORD_EMPTY"
    );
    assert!(listing(tmp.path()).is_empty());

    // The 1C layer hands the options string to serde_json; a typo is an error, not a default.
    let typo = CertOptions::from_json(r#"{"dayz": 30}"#).unwrap_err();
    assert_eq!(typo.code(), "CERT_OPTIONS_INVALID");
    assert!(typo.message(Lang::Ru).contains("dayz"));
}

#[test]
fn unwritable_directories_fail_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    // Root may write almost anywhere, so these failures must come from the file system itself:
    // a path through a regular file, and /proc, where nobody creates files.
    let file = tmp.path().join("a file");
    fs::write(&file, "x").unwrap();
    let err = make_cert(&request("127.0.0.1", &file.join("ssl"), opts())).unwrap_err();
    assert_eq!(err.code(), "CERT_DIRECTORY_UNUSABLE", "{err}");
    assert!(err.message(Lang::Ru).contains("a file"));
    assert_eq!(listing(tmp.path()), ["a file"]);

    let err = make_cert(&request("127.0.0.1", Path::new("/proc"), opts())).unwrap_err();
    assert_eq!(err.code(), "CERT_FILE_WRITE_FAILED", "{err}");
    let err = make_cert(&request("127.0.0.1", Path::new("/proc/нет/ssl"), opts())).unwrap_err();
    assert_eq!(err.code(), "CERT_DIRECTORY_UNUSABLE", "{err}");
    assert!(!Path::new("/proc/нет").exists());
}

#[test]
fn existing_files_are_kept_unless_overwrite() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("Каталог с пробелами");
    fs::create_dir(&dir).unwrap();
    let old_pem = dir.join("cert.pem");
    fs::write(&old_pem, "old certificate").unwrap();

    let err = make_cert(&request("127.0.0.1", &dir, opts())).unwrap_err();
    assert_eq!(err.code(), "CERT_FILE_EXISTS");
    match &err {
        Error::FileExists { path } => assert_eq!(path, &old_pem),
        other => panic!("{other:?}"),
    }
    assert!(err
        .message(Lang::En)
        .contains(&old_pem.display().to_string()));
    assert!(err.message(Lang::Ru).contains("overwrite"));
    assert_eq!(listing(&dir), ["cert.pem"]);
    assert_eq!(fs::read_to_string(&old_pem).unwrap(), "old certificate");

    // Another basename in the same directory is fine.
    make_cert(&request(
        "127.0.0.1",
        &dir,
        CertOptions {
            basename: Some("второй".into()),
            ..opts()
        },
    ))
    .unwrap();

    // A key file others could read is replaced by one they cannot.
    let old_key = dir.join("cert.key");
    fs::write(&old_key, "old key").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&old_key, fs::Permissions::from_mode(0o644)).unwrap();
    }
    let out = make_cert(&request(
        "127.0.0.1",
        &dir,
        CertOptions {
            overwrite: Some(true),
            ..opts()
        },
    ))
    .unwrap();
    assert_eq!(out.cert_file.as_deref(), Some(old_pem.as_path()));
    assert_eq!(fs::read_to_string(&old_pem).unwrap(), out.cert_pem);
    assert!(fs::read_to_string(&old_key)
        .unwrap()
        .starts_with("-----BEGIN PRIVATE KEY-----"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&old_key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    assert_eq!(
        listing(&dir),
        [
            "cert.key",
            "cert.pem",
            "cert.pfx",
            "второй.key",
            "второй.pem",
            "второй.pfx"
        ]
    );
}

fn cli(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_messenger"));
    cmd.arg("cert")
        .args(args)
        .env_remove("MESSENGER_PFX_PASSWORD");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn command_line_face() {
    let tmp = tempfile::tempdir().unwrap();
    let dir: PathBuf = tmp.path().join("ssl");
    let dir_s = dir.to_str().unwrap();
    let out = cli(
        &[
            "--cn",
            "webhook.example.test",
            "--dir",
            dir_s,
            "--password-env",
            "MY_PFX",
            "--org",
            "ООО Ромашка",
            "--alt",
            "203.0.113.7",
            "--alt",
            "10.0.0.1",
            "--days",
            "30",
        ],
        &[("MY_PFX", "pw"), ("LANG", "C.UTF-8")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["subject"], "CN=webhook.example.test,O=ООО Ромашка");
    assert_eq!(
        json["alt_names"],
        serde_json::json!(["webhook.example.test", "203.0.113.7", "10.0.0.1"])
    );
    assert_eq!(json["key_file"], dir.join("cert.key").to_str().unwrap());
    assert!(json.get("key_pem").is_none());

    // The same call again: the files exist, exit code 1, the code and the Russian text.
    let again = cli(
        &["--cn", "203.0.113.7", "--dir", dir_s],
        &[("MESSENGER_PFX_PASSWORD", "pw"), ("LANG", "ru_RU.UTF-8")],
    );
    assert_eq!(again.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(
        stderr.contains("[CERT_FILE_EXISTS]") && stderr.contains("уже существует"),
        "{stderr}"
    );
    assert!(cli(
        &[
            "--cn",
            "203.0.113.7",
            "--dir",
            dir_s,
            "--overwrite",
            "--password",
            "pw"
        ],
        &[]
    )
    .status
    .success());

    let bad_ip = cli(
        &["--cn", "300.1.1.1", "--password", "pw"],
        &[("LANG", "en_US.UTF-8")],
    );
    assert_eq!(bad_ip.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&bad_ip.stderr);
    assert!(
        stderr.contains("[CERT_IP_INVALID]") && stderr.contains("300.1.1.1"),
        "{stderr}"
    );

    let no_password = cli(&["--cn", "203.0.113.7"], &[("LANG", "en_US.UTF-8")]);
    assert_eq!(no_password.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_password.stderr).contains("--password-env"));

    let unknown_flag = cli(&["--cn", "203.0.113.7", "--dayz", "3"], &[]);
    assert_eq!(unknown_flag.status.code(), Some(2));

    // Without --dir: nothing written, key and PFX in the JSON.
    let memory = cli(
        &[
            "--cn",
            "127.0.0.1",
            "--key",
            "ecdsa-p256",
            "--password",
            "pw",
        ],
        &[],
    );
    assert!(memory.status.success());
    let json: serde_json::Value = serde_json::from_slice(&memory.stdout).unwrap();
    assert!(json["key_pem"].as_str().unwrap().contains("PRIVATE KEY"));
    assert!(json["pfx_base64"].is_string());
}
