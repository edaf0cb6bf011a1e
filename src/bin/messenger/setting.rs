//! How the command line names the settings a library error points at: as its flags.

use messenger::i18n::{with_settings, Lang, Localized};
use messenger::net::Setting;

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

/// `[CODE] message (--flag)`: an error as the command line prints it.
pub fn render(err: &dyn Localized, lang: Lang) -> String {
    let message = with_settings(err.message(lang), err.settings(), |s| flag(s).to_owned());
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
}
