//! How the command line names the settings a library error points at (as its flags) and the
//! calls and parameters it sends the reader to (as its commands and flags).

use messenger::i18n::{named_message, Lang, Localized};
use messenger::net::{Names, Setting, Term};

/// The flag that sets `setting`.
pub fn flag(setting: Setting) -> &'static str {
    match setting {
        Setting::Timeout => "--timeout",
        Setting::Proxy => "--proxy",
        Setting::TrustedCertificates => "--trusted",
        Setting::TelegramApiUrl => "--api-url",
        // A setting added to the library without a flag here: still say something true.
        _ => "--help",
    }
}

/// The command line's names: settings as flags, calls as commands, the options as `--options`.
pub struct CliNames;

impl Names for CliNames {
    fn setting(&self, setting: Setting, _lang: Lang) -> String {
        flag(setting).to_owned()
    }

    fn term(&self, term: Term, _lang: Lang) -> String {
        match term {
            Term::SetWebhook => "messenger telegram set-webhook",
            Term::Options => "--options",
            Term::DeleteWebhook => "messenger telegram delete-webhook",
            // A term added to the library without a name here: the plain words stand alone.
            _ => "",
        }
        .to_owned()
    }
}

/// `[CODE] message (--flag)`: an error as the command line prints it.
pub fn render(err: &dyn Localized, lang: Lang) -> String {
    let message = named_message(err, lang, &CliNames);
    format!("[{}] {message}", err.code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_setting_is_named_by_its_flag() {
        let err = messenger::telegram::validate_api_url("api.telegram.org").unwrap_err();
        let text = render(&err, Lang::En);
        assert!(text.starts_with("[TELEGRAM_API_URL_INVALID] "), "{text}");
        assert!(text.ends_with("(--api-url)"), "{text}");
        assert!(!text.contains("TelegramApiUrl"), "{text}");
    }

    #[test]
    fn a_call_is_named_by_its_command_and_the_options_by_their_flag() {
        let expired = messenger::telegram::Error::CertificateExpired {
            not_after: "2020-01-01".into(),
        };
        let text = render(&expired, Lang::En);
        assert!(
            text.ends_with("set the webhook again (messenger telegram set-webhook)"),
            "{text}"
        );
        let options = messenger::telegram::WebhookOptions::from_json("{").unwrap_err();
        let text = render(&options, Lang::Ru);
        assert!(
            text.starts_with("[TELEGRAM_OPTIONS_INVALID] дополнительные параметры (--options) "),
            "{text}"
        );
        assert!(!text.contains("Параметр"), "{text}");
        let polling = messenger::telegram::Error::Transfer(
            messenger::telegram::TransferError::PollingConflict {
                webhook: true,
                description: "Conflict".into(),
            },
        );
        let text = render(&polling, Lang::Ru);
        assert!(
            text.contains("Удалите webhook (messenger telegram delete-webhook), затем"),
            "{text}"
        );
        let idle = render(&messenger::xmpp::Error::NotConnected, Lang::En);
        assert!(idle.ends_with(": connect first"), "{idle}");
    }
}
