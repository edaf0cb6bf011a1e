//! The `messenger` command line as a whole: one tree of commands that docs/en/cli.md names
//! truly, global options before or after the command, mistakes in the chosen language, and a
//! closed stdout that ends a command quietly instead of with a panic.

use std::process::{Command, Output, Stdio};

fn messenger(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_messenger"));
    cmd.args(args)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG")
        .env_remove("MESSENGER_PFX_PASSWORD")
        .env_remove("MESSENGER_PROXY");
    cmd
}

fn run(args: &[&str]) -> Output {
    messenger(args).output().expect("run messenger")
}

/// Runs the command with stdout a pipe whose reading end is already closed.
fn with_closed_stdout(mut cmd: Command) -> Output {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    cmd.stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .expect("run messenger")
}

/// The commands docs/en/cli.md documents: every heading that names one in backquotes
/// (`` ### `messenger telegram send-file` ``), without options and placeholders.
fn documented_commands() -> Vec<Vec<String>> {
    let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/en/cli.md"))
        .expect("docs/en/cli.md");
    page.lines()
        .filter(|l| l.starts_with('#'))
        .filter_map(|l| l.split('`').nth(1))
        .filter(|code| code.starts_with("messenger"))
        .map(|code| {
            code.split_whitespace()
                .skip(1)
                .take_while(|w| !w.starts_with(['-', '<', '[']))
                .map(str::to_owned)
                .collect()
        })
        .collect()
}

/// The subcommands a help text lists under "Commands:" (without clap's own `help`).
fn listed_commands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| l.trim() != "Commands:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_documented_command_exists_and_every_command_is_documented() {
    let documented = documented_commands();
    assert!(documented.len() >= 10, "{documented:?}");
    for words in &documented {
        let mut args: Vec<&str> = words.iter().map(String::as_str).collect();
        args.push("--help");
        let out = run(&args);
        assert!(
            out.status.success(),
            "messenger {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The other way round: every command the tree has is on the page.
    let mut areas = vec![vec![]];
    while let Some(path) = areas.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let help = String::from_utf8(run(&args).stdout).unwrap();
        for name in listed_commands(&help) {
            let mut sub = path.clone();
            sub.push(name);
            assert!(
                documented.contains(&sub),
                "`messenger {}` is missing from docs/en/cli.md",
                sub.join(" ")
            );
            areas.push(sub);
        }
    }
}

#[test]
fn a_closed_stdout_ends_the_command_quietly() {
    // The certificate is made in memory and printed as JSON: the print meets the closed pipe.
    let cert = messenger(&[
        "cert",
        "--cn",
        "127.0.0.1",
        "--key",
        "ecdsa-p256",
        "--password",
        "pw",
    ]);
    for (name, cmd) in [("cert", cert), ("--version", messenger(&["--version"]))] {
        let out = with_closed_stdout(cmd);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
            "{name}: {stderr}"
        );
        assert_ne!(out.status.code(), Some(101), "{name}: a panic's exit code");
    }
    let out = with_closed_stdout(messenger(&[
        "cert",
        "--cn",
        "127.0.0.1",
        "--key",
        "ecdsa-p256",
        "--password",
        "pw",
    ]));
    assert_eq!(
        out.status.code(),
        Some(141),
        "128 + SIGPIPE, as a shell says"
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn global_options_go_before_or_after_the_command() {
    for args in [
        &[
            "--timeout",
            "0",
            "xmpp",
            "send",
            "--jid",
            "a@b",
            "--to",
            "c@d",
            "x",
        ][..],
        &[
            "xmpp",
            "send",
            "--jid",
            "a@b",
            "--to",
            "c@d",
            "x",
            "--timeout",
            "0",
        ],
        &["telegram", "webhook-info", "--timeout", "3601"],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("--timeout") && stderr.contains("1 to 3600"),
            "{stderr}"
        );
    }
    // A certificate makes no connection: a network option is refused, not ignored.
    let out = run(&[
        "cert",
        "--cn",
        "127.0.0.1",
        "--password",
        "pw",
        "--proxy",
        "http://p:1",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--proxy"));
    // The trusted file is read as the add-in reads files: a directory is refused at once.
    let dir = env!("CARGO_MANIFEST_DIR");
    let out = messenger(&[
        "xmpp",
        "send",
        "--jid",
        "a@b",
        "--to",
        "c@d",
        "x",
        "--trusted",
        dir,
    ])
    .env("XMPP_PASSWORD", "pw")
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with("[FILE_NOT_REGULAR]"),
        "{out:?}"
    );
}

#[test]
fn the_proxy_comes_from_messenger_proxy_unless_the_flag_is_given() {
    // A proxy of an unknown scheme is refused when it is read, before any connection.
    let send = || {
        let mut cmd = messenger(&["xmpp", "send", "--jid", "a@b", "--to", "c@d", "x"]);
        cmd.env("XMPP_PASSWORD", "pw")
            .env("MESSENGER_PROXY", "ftp://user:s3cret@127.0.0.1:1");
        cmd
    };
    let out = send().output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("[NET_PROXY_INVALID]") && stderr.contains("'ftp'"),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cret"), "{stderr}");
    // The flag wins over the environment.
    let out = send().args(["--proxy", "gopher://h:1"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("'gopher'") && !stderr.contains("'ftp'"),
        "{stderr}"
    );
    // A command that makes no connection does not care what the environment holds (while
    // --proxy with it is refused: see global_options_go_before_or_after_the_command).
    let out = messenger(&["cert", "--cn", "127.0.0.1", "--key", "ecdsa-p256"])
        .env("MESSENGER_PFX_PASSWORD", "pw")
        .env("MESSENGER_PROXY", "ftp://h:1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn mistakes_are_told_in_the_chosen_language() {
    // --lang before or after the command, or the locale of the environment.
    let ru = [
        run(&[
            "--lang", "ru", "xmpp", "send", "--jid", "a@b", "--to", "c@d", "--count", "abc", "x",
        ]),
        run(&[
            "xmpp", "send", "--jid", "a@b", "--to", "c@d", "--count", "abc", "x", "--lang", "ru",
        ]),
        messenger(&[
            "xmpp", "send", "--jid", "a@b", "--to", "c@d", "--count", "abc", "x",
        ])
        .env("LANG", "ru_RU.UTF-8")
        .output()
        .unwrap(),
    ];
    for out in ru {
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("«abc»")
                && stderr.contains("--count")
                && stderr.contains("от 1 до 10000000")
                && stderr.contains("messenger xmpp send --help"),
            "{stderr}"
        );
        assert!(
            !stderr.contains("invalid") && !stderr.contains("error:"),
            "{stderr}"
        );
    }
    let out = run(&["--lang", "ru", "telegram", "no-such-command"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("неизвестная команда «no-such-command»"));
    let out = run(&["--lang", "ru", "xmpp", "listen"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("не указано обязательное: «--jid <JID>»"));

    let out = run(&["--lang", "en", "telegram", "no-such-command"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unrecognized subcommand"));
}

/// The same failure reads the same from the command line and from 1C: the code and the text
/// are the library's, only the names at the edge differ (flags there, properties here).
#[test]
fn the_cli_and_the_add_in_tell_one_failure_alike_naming_flags_and_properties() {
    use messenger::addin::{Messenger, Value};
    // Nothing listens on port 1 of loopback.
    let api_url = "http://127.0.0.1:1";
    let token = "123456:AAH-not-a-real-token";
    for (lang, locale) in [("ru", "ru_RU"), ("en", "en_US")] {
        let out = messenger(&[
            "--lang",
            lang,
            "--timeout",
            "5",
            "telegram",
            "--api-url",
            api_url,
            "webhook-info",
        ])
        .env("TELEGRAM_BOT_TOKEN", token)
        .output()
        .expect("run messenger");
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let cli = String::from_utf8_lossy(&out.stderr).trim().to_owned();

        let mut m = Messenger::new();
        m.set_locale(locale);
        let set = |m: &mut Messenger, name: &str, value: Value| {
            let index = m.find_prop(name).expect(name) as i64;
            m.set_prop(index, value).expect(name);
        };
        set(&mut m, "Timeout", Value::Int(5));
        set(&mut m, "TelegramApiUrl", Value::Str(api_url.into()));
        let method = m.find_method("GetWebhookInfo").unwrap() as i64;
        let addin = m
            .call(method, &[Value::Str(token.into())])
            .expect_err("nothing listens");

        let (member, names, flags) = match lang {
            "ru" => (
                "ПолучитьИнформациюWebhook: ",
                " (АдресTelegramAPI, Прокси)",
                " (--api-url, --proxy)",
            ),
            _ => (
                "GetWebhookInfo: ",
                " (TelegramApiUrl, Proxy)",
                " (--api-url, --proxy)",
            ),
        };
        let code = "[TELEGRAM_NET_REFUSED] ";
        let from_cli = cli
            .strip_prefix(code)
            .and_then(|t| t.strip_suffix(flags))
            .unwrap_or_else(|| panic!("{lang}: the command line said {cli:?}"));
        let from_addin = addin
            .strip_prefix(code)
            .and_then(|t| t.strip_prefix(member))
            .and_then(|t| t.strip_suffix(names))
            .unwrap_or_else(|| panic!("{lang}: the add-in said {addin:?}"));
        assert_eq!(from_cli, from_addin, "{lang}");
        assert!(
            !cli.contains("TelegramApiUrl") && !cli.contains("АдресTelegramAPI"),
            "{cli}"
        );
        assert!(!addin.contains("--api-url"), "{addin}");
        assert!(!cli.contains("not-a-real-token") && !addin.contains("not-a-real-token"));
    }
}
