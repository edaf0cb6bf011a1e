//! Command-line mistakes in the chosen language.
//!
//! clap writes its errors in English only and has no translation hook, so under `--lang ru`
//! (or a Russian locale) we say them ourselves from the error's kind and context, which clap
//! exposes for this; in English clap's own text is shown. Help stays in English. Numbers are
//! read by [`whole`], whose complaint is ours and so already in the chosen language.

use std::process::ExitCode;
use std::str::FromStr;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use messenger::i18n::{clip, Lang};

/// Why a value was refused, in the chosen language (clap keeps it as the error's source).
#[derive(Debug)]
pub struct Reason(String);

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Reason {}

/// A parser for a whole number from `min` to `max`, saying what it expects in the chosen
/// language (clap's own number parsers answer "invalid digit found in string").
pub fn whole<T>(min: T, max: T) -> impl Fn(&str) -> Result<T, Reason> + Clone + Send + Sync
where
    T: FromStr + PartialOrd + std::fmt::Display + Copy + Send + Sync + 'static,
{
    move |text| {
        text.trim()
            .parse::<T>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| {
                Reason(
                    crate::lang()
                        .pick(
                            "ожидается целое число от {min} до {max}",
                            "expected a whole number from {min} to {max}",
                        )
                        .replace("{min}", &min.to_string())
                        .replace("{max}", &max.to_string()),
                )
            })
    }
}

/// Shows a clap error (or the help or version it asked for) and gives the exit code: 0 for
/// help and version, 2 for a mistake.
pub fn exit(e: &clap::Error, lang: Lang) -> ExitCode {
    let code = ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
    let ours = match lang {
        Lang::Ru => russian(e),
        _ => None,
    };
    match ours {
        Some(text) => crate::out::warn(text),
        // Help and version go to stdout; a closed stdout is not worth a word.
        None => {
            let _ = e.print();
        }
    }
    code
}

/// The Russian text of a mistake; `None` for help, version and anything clap says without
/// naming the argument (then clap's own text is better than a vague one).
fn russian(e: &clap::Error) -> Option<String> {
    let string = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(clip(s)),
        _ => None,
    };
    let strings = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(clip(s)),
        Some(ContextValue::Strings(list)) => Some(
            list.iter()
                .map(|s| format!("«{}»", clip(s)))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        _ => None,
    };
    let arg = string(ContextKind::InvalidArg);
    let value = string(ContextKind::InvalidValue);
    let mut text = match e.kind() {
        ErrorKind::UnknownArgument => {
            let arg = arg?;
            if arg.starts_with('-') {
                format!("неизвестный параметр «{arg}»")
            } else {
                format!("лишний аргумент «{arg}»")
            }
        }
        ErrorKind::InvalidSubcommand => {
            format!(
                "неизвестная команда «{}»",
                string(ContextKind::InvalidSubcommand)?
            )
        }
        ErrorKind::InvalidValue => match (arg?, value?) {
            (arg, value) if value.is_empty() => format!("у параметра «{arg}» нет значения"),
            (arg, value) => {
                let mut text = format!("недопустимое значение «{value}» у «{arg}»");
                if let Some(valid) = strings(ContextKind::ValidValue) {
                    text += &format!("; допустимы: {valid}");
                }
                text
            }
        },
        ErrorKind::ValueValidation => {
            let mut text = format!("недопустимое значение «{}» у «{}»", value?, arg?);
            // Only our own reasons: clap's are English.
            let reason = std::error::Error::source(e).and_then(|s| s.downcast_ref::<Reason>());
            if let Some(reason) = reason {
                text += &format!(": {reason}");
            }
            text
        }
        ErrorKind::MissingRequiredArgument => {
            format!(
                "не указано обязательное: {}",
                strings(ContextKind::InvalidArg)?
            )
        }
        ErrorKind::MissingSubcommand => format!(
            "после «{}» нужна команда",
            string(ContextKind::InvalidSubcommand)?
        ),
        ErrorKind::ArgumentConflict => {
            let arg = arg?;
            match strings(ContextKind::PriorArg) {
                Some(prior) if prior == arg => format!("«{arg}» указан дважды"),
                Some(prior) => format!("«{arg}» нельзя указывать вместе с {prior}"),
                None => format!("«{arg}» нельзя указывать вместе с другими параметрами"),
            }
        }
        ErrorKind::NoEquals => format!("значение «{}» пишется через «=»", arg?),
        ErrorKind::TooManyValues => format!("лишнее значение «{}» у «{}»", value?, arg?),
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            format!("у «{}» не то число значений", arg?)
        }
        ErrorKind::InvalidUtf8 => "аргумент не в кодировке UTF-8".to_owned(),
        _ => return None,
    };
    if let Some(suggested) = strings(ContextKind::SuggestedArg)
        .or_else(|| strings(ContextKind::SuggestedSubcommand))
        .or_else(|| strings(ContextKind::SuggestedValue))
    {
        text += &format!("\n\n  может быть, {}?", suggested.trim_matches(['«', '»']));
    }
    Some(format!(
        "ошибка: {text}\n\nСправка: {} --help",
        command_path()
    ))
}

/// The command the mistake is in (`messenger xmpp send`): the words of the command line that
/// name subcommands, followed down the tree.
fn command_path() -> String {
    use clap::CommandFactory;
    let mut command = crate::Cli::command();
    let mut path = vec!["messenger".to_owned()];
    for arg in std::env::args().skip(1) {
        if arg == "--" {
            break;
        }
        let Some(sub) = command.find_subcommand(&arg).cloned() else {
            continue;
        };
        path.push(sub.get_name().to_owned());
        command = sub;
    }
    path.join(" ")
}
