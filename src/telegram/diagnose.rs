//! CheckWebhook's findings: Telegram's `last_error_message` explained (likely cause and remedy,
//! from the web-publication article and the Bot API server's own error strings), plus checks
//! made here: the URL's port and scheme, the certificate against the URL, whether a self-signed
//! certificate was uploaded, and a queue of updates that is not being delivered.

use serde::Serialize;
use serde_json::Value;

use super::certificate::{format_time, WebhookCertificate};
use crate::i18n::Lang;

/// How much a finding matters.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Updates are not being delivered because of it.
    Error,
    /// Will break, or may be the reason.
    Warning,
    /// For information (an old error, a normal state).
    Info,
}

/// One thing CheckWebhook found.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Stable, upper case: 1C code may branch on it.
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub cause: String,
    pub remedy: String,
}

/// A delivery error older than this, with an empty queue, is history: Telegram keeps
/// `last_error_*` after the problem is fixed.
const STALE_ERROR_SECS: i64 = 3600;
/// A queue with an error newer than this is "growing now": Telegram retries failed deliveries
/// with back-off of up to minutes, so a fresh error plus waiting updates means updates pile up.
const RECENT_ERROR_SECS: i64 = 900;
/// A queue this long is worth a warning even without a recent error.
const LONG_QUEUE: i64 = 100;
/// A certificate that expires within this many days gets a warning.
const EXPIRY_WARNING_DAYS: i64 = 30;

struct Text {
    ru: &'static str,
    en: &'static str,
}

const fn t(ru: &'static str, en: &'static str) -> Text {
    Text { ru, en }
}

impl Text {
    fn get(&self, lang: Lang) -> String {
        lang.pick(self.ru, self.en).to_owned()
    }
}

fn finding(
    code: &'static str,
    severity: Severity,
    message: String,
    cause: &Text,
    remedy: &Text,
    lang: Lang,
) -> Finding {
    Finding {
        code,
        severity,
        message,
        cause: cause.get(lang),
        remedy: remedy.get(lang),
    }
}

/// What a known `last_error_message` means: (code, cause, remedy).
fn explain(message: &str) -> (&'static str, Text, Text) {
    let m = message.to_ascii_lowercase();
    if m.contains("certificate verify failed") {
        return ("LAST_ERROR_CERTIFICATE_VERIFY_FAILED",
            t("Telegram не доверяет сертификату веб-сервера: самоподписанный сертификат не загружен при установке webhook или загружен другой; CN/subjectAltName не совпадает с хостом в адресе; сертификат просрочен; у сертификата центра сертификации нет промежуточных сертификатов.",
              "Telegram does not trust the web server's certificate: a self-signed certificate was not uploaded with the webhook, or a different one was; the CN/subjectAltName does not match the URL's host; the certificate has expired; a CA certificate lacks its intermediates."),
            t("Выпустите сертификат с CN = хост из адреса (IP или домен), установите его на веб-сервер (IIS/Apache) и снова вызовите УстановитьWebhook, передав этот же сертификат (.pem, не ключ).",
              "Make a certificate with CN = the URL's host (IP or domain), install it on the web server (IIS/Apache) and call SetWebhook again with that same certificate (.pem, not the key)."));
    }
    if m.contains("wrong version number") || m.contains("packet length too long") {
        return ("LAST_ERROR_NOT_TLS",
            t("На этом порту веб-сервер отвечает по http, а не по https.",
              "The web server speaks plain http on that port, not https."),
            t("Добавьте привязку https с сертификатом на этот порт (IIS: Привязки → https) или укажите порт, на котором работает https.",
              "Add an https binding with the certificate on that port (IIS: Bindings → https) or give the port where https runs."));
    }
    if let Some(rest) = m.split("wrong response from the webhook:").nth(1) {
        let status: u16 = rest
            .trim()
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|d| d.parse().ok())
            .unwrap_or(0);
        return match status {
            401 => ("LAST_ERROR_HTTP_401",
                t("Ошибка авторизации: в адресе webhook не указаны или неверно указаны пользователь и пароль 1С (https://пользователь:пароль@хост/…), или в них есть символы, которые Telegram не передаёт.",
                  "Authorization failed: the 1C user and password in the webhook URL (https://user:password@host/…) are missing or wrong, or contain characters Telegram does not pass on."),
                t("Проверьте вход этим пользователем в браузере по тому же адресу; используйте отдельного пользователя 1С с латинским именем и паролем из A-Z a-z 0-9 . _ ~ - с правами на http-сервис и снова установите webhook.",
                  "Check the login with that user in a browser at the same URL; use a dedicated 1C user with a Latin name and a password of A-Z a-z 0-9 . _ ~ - with rights to the http-service, and set the webhook again.")),
            403 => ("LAST_ERROR_HTTP_403",
                t("Доступ запрещён: у пользователя нет прав на http-сервис или обработчик отверг secret_token.",
                  "Access denied: the user has no rights to the http-service, or the handler rejected the secret_token."),
                t("Дайте пользователю роль с правом на http-сервис; сверьте secret_token в webhook и в обработчике.",
                  "Give the user a role with the right to the http-service; compare the secret_token in the webhook and in the handler.")),
            404 => ("LAST_ERROR_HTTP_404",
                t("Адрес не найден: неверное имя публикации, корневой URL или шаблон URL http-сервиса, либо http-сервис не включён в публикацию.",
                  "Not found: wrong publication name, root URL or URL template of the http-service, or the http-service is not included in the publication."),
                t("Откройте адрес https://хост/ИмяПубликации/hs/КорневойURL/ШаблонURL в браузере; включите http-сервис в публикацию (default.vrd) и перезапустите веб-сервер.",
                  "Open https://host/Publication/hs/RootURL/Template in a browser; include the http-service in the publication (default.vrd) and restart the web server.")),
            500 => ("LAST_ERROR_HTTP_500",
                t("Обработчик http-сервиса 1С завершился ошибкой (ошибка в коде), или в адресе webhook ошибка.",
                  "The 1C http-service handler raised an error (a bug in the code), or the webhook URL is wrong."),
                t("Посмотрите журнал регистрации 1С, исправьте код обработчика (он должен быстро вернуть код 200) и проверьте адрес.",
                  "Look at the 1C event log, fix the handler (it must return 200 quickly) and check the URL.")),
            502..=504 => ("LAST_ERROR_HTTP_GATEWAY",
                t("Ответ пришёл от веб-сервера или обратного прокси, а не от 1С: пул приложений IIS остановлен, модуль веб-расширения 1С или сервер 1С недоступен.",
                  "The answer came from the web server or a reverse proxy, not from 1C: the IIS application pool is stopped, or the 1C web extension or 1C server is unavailable."),
                t("Проверьте пул приложений и публикацию, доступность сервера 1С, журнал веб-сервера.",
                  "Check the application pool and the publication, that the 1C server is up, and the web server's log.")),
            300..=399 => ("LAST_ERROR_HTTP_REDIRECT",
                t("Веб-сервер перенаправляет запрос (http→https, добавление косой черты), а Telegram перенаправлениям не следует.",
                  "The web server redirects the request (http→https, an added trailing slash), and Telegram does not follow redirects."),
                t("Укажите в webhook окончательный адрес (ровно тот, куда ведёт перенаправление).",
                  "Set the webhook to the final URL (exactly where the redirect leads).")),
            _ => ("LAST_ERROR_HTTP_OTHER",
                t("Веб-сервер ответил кодом, отличным от 2xx; доставленным Telegram считает только ответ 2xx.",
                  "The web server answered with a non-2xx status; Telegram counts only 2xx as delivered."),
                t("Обработчик должен быстро отвечать кодом 200; проверьте журнал веб-сервера и 1С.",
                  "The handler must answer 200 quickly; check the web server's and 1C's logs.")),
        };
    }
    if m.contains("connection reset by peer") {
        return ("LAST_ERROR_CONNECTION_RESET",
            t("Соединение оборвано: публикация недоступна из внешней сети, веб-сервер отверг TLS-рукопожатие (требует клиентский сертификат, отключён TLS 1.2) или соединение режет межсетевой экран.",
              "The connection was cut: the publication is unreachable from outside, the web server rejected the TLS handshake (requires a client certificate, TLS 1.2 disabled), or a firewall cuts it."),
            t("Проверьте, что публикация открывается из внешней сети (например, со смартфона через мобильную сеть), что включён TLS 1.2 и не требуется клиентский сертификат.",
              "Check that the publication opens from outside (say, from a phone on mobile data), that TLS 1.2 is on and no client certificate is required."));
    }
    if m.contains("connection refused") {
        return ("LAST_ERROR_CONNECTION_REFUSED",
            t("На этом IP и порту никто не слушает, или межсетевой экран отклоняет соединение.",
              "Nothing listens on that IP and port, or a firewall rejects the connection."),
            t("Проверьте привязку сайта к порту, проброс порта на роутере и правила межсетевого экрана.",
              "Check the site's port binding, the router's port forwarding and the firewall rules."));
    }
    if m.contains("connection timed out") {
        return ("LAST_ERROR_CONNECT_TIMEOUT",
            t("Telegram не может установить соединение с публикацией: пакеты отбрасывает межсетевой экран или NAT, порт не проброшен, указан не тот внешний IP (часто webhook установлен из другой сети).",
              "Telegram cannot connect to the publication: a firewall or NAT drops packets, the port is not forwarded, or the wrong external IP is used (often the webhook was set from another network)."),
            t("Укажите внешний статический IP публикации, пробросьте порт, разрешите входящие с 149.154.160.0/20 и 91.108.4.0/22.",
              "Give the publication's external static IP, forward the port, and allow incoming traffic from 149.154.160.0/20 and 91.108.4.0/22."));
    }
    if m.contains("read timeout expired") {
        return (
            "LAST_ERROR_READ_TIMEOUT",
            t(
                "Соединение установлено, но обработчик не ответил вовремя (около 60 секунд).",
                "Connected, but the handler did not answer in time (about 60 seconds).",
            ),
            t(
                "Отвечайте 200 сразу, а обработку выполняйте позже (фоновое задание, очередь).",
                "Answer 200 at once and process later (a background job, a queue).",
            ),
        );
    }
    if m.contains("webhook connection closed") {
        return (
            "LAST_ERROR_CONNECTION_CLOSED",
            t(
                "Веб-сервер закрыл соединение, не ответив.",
                "The web server closed the connection without answering.",
            ),
            t(
                "Проверьте журнал веб-сервера и ограничения на keep-alive соединения.",
                "Check the web server's log and its keep-alive limits.",
            ),
        );
    }
    if m.contains("failed to resolve host") {
        return ("LAST_ERROR_RESOLVE_HOST",
            t("Имя хоста из адреса webhook не разрешается в DNS со стороны Telegram.",
              "The webhook URL's host name does not resolve in DNS from Telegram's side."),
            t("Исправьте DNS-запись (A-запись на внешний IP) или передайте ip_address в Параметрах.",
              "Fix the DNS record (an A record to the external IP) or pass ip_address in the options."));
    }
    if m.contains("ssl error") || m.contains("ssl connection") || m.contains("ssl context") {
        return ("LAST_ERROR_TLS_OTHER",
            t("Ошибка TLS при соединении с веб-сервером (часто повреждён загруженный сертификат или веб-сервер не поддерживает TLS 1.2+).",
              "A TLS error when connecting to the web server (often a broken uploaded certificate, or the server lacks TLS 1.2+)."),
            t("Загрузите сертификат заново (PEM, без ключа), включите на веб-сервере TLS 1.2 или 1.3.",
              "Upload the certificate again (PEM, without the key), enable TLS 1.2 or 1.3 on the web server."));
    }
    if m.contains("can't connect") {
        return (
            "LAST_ERROR_CANT_CONNECT",
            t(
                "Telegram не смог подключиться к веб-серверу.",
                "Telegram could not connect to the web server.",
            ),
            t(
                "Проверьте доступность адреса из внешней сети и загруженный сертификат.",
                "Check that the URL is reachable from outside, and the uploaded certificate.",
            ),
        );
    }
    ("LAST_ERROR_OTHER",
        t("Telegram сообщает об ошибке доставки, которая здесь не описана.",
          "Telegram reports a delivery error not described here."),
        t("Проверьте доступность адреса webhook из внешней сети и журналы веб-сервера и 1С.",
          "Check that the webhook URL is reachable from outside, and the web server's and 1C's logs."))
}

/// The findings for a WebhookInfo (and the certificate the user says the server has), at `now`.
pub fn findings(
    info: &Value,
    cert: Option<&WebhookCertificate>,
    now: i64,
    lang: Lang,
) -> Vec<Finding> {
    let ru = lang == Lang::Ru;
    let mut out = Vec::new();
    let url = info.get("url").and_then(Value::as_str).unwrap_or_default();
    let pending = info
        .get("pending_update_count")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let has_custom = info
        .get("has_custom_certificate")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let error_date = info.get("last_error_date").and_then(Value::as_i64);
    let error_message = info.get("last_error_message").and_then(Value::as_str);

    if url.is_empty() {
        out.push(finding(
            "WEBHOOK_NOT_SET",
            Severity::Warning,
            lang.pick(
                "Webhook не установлен: обновления можно получать только getUpdates.",
                "No webhook is set: updates can only be fetched with getUpdates.",
            )
            .to_owned(),
            &t(
                "Webhook не устанавливали, удалили, или Telegram снял его.",
                "The webhook was never set, was deleted, or Telegram removed it.",
            ),
            &t("Вызовите УстановитьWebhook.", "Call SetWebhook."),
            lang,
        ));
    }

    if let Some(msg) = error_message {
        let (code, cause, remedy) = explain(msg);
        let age = error_date.map(|d| now - d);
        let stale = matches!(age, Some(a) if a > STALE_ERROR_SECS) && pending == 0;
        let when = error_date.map(format_time).unwrap_or_default();
        let message = match (ru, stale) {
            (true, false) => format!("Последняя ошибка доставки ({when}): {msg}"),
            (false, false) => format!("Last delivery error ({when}): {msg}"),
            (true, true) => format!(
                "Старая ошибка доставки ({when}), очередь пуста — вероятно, уже устранена: {msg}"
            ),
            (false, true) => format!(
                "An old delivery error ({when}) with an empty queue, probably fixed since: {msg}"
            ),
        };
        let severity = if stale {
            Severity::Info
        } else {
            Severity::Error
        };
        out.push(finding(code, severity, message, &cause, &remedy, lang));
    }

    // Growth is judged from one reading: a fresh delivery error with updates waiting. Two
    // readings would have to be minutes apart (Telegram backs off between retries), longer than
    // a call's Timeout, and the reference's advice is exactly this comparison of dates.
    let recent_error = matches!(error_date, Some(d) if now - d <= RECENT_ERROR_SECS);
    if pending > 0 && recent_error {
        out.push(finding("PENDING_UPDATES_PILING_UP", Severity::Error,
            if ru { format!("В очереди {pending} недоставленных обновлений, и доставка только что завершилась ошибкой: очередь растёт.") }
            else { format!("{pending} updates are waiting and a delivery just failed: the queue is growing.") },
            &t("Telegram не может доставить обновления (см. последнюю ошибку) и повторяет попытки всё реже.",
               "Telegram cannot deliver updates (see the last error) and retries less and less often."),
            &t("Устраните последнюю ошибку; если старые обновления не нужны, установите webhook с drop_pending_updates = true.",
               "Fix the last error; if the old updates are not needed, set the webhook with drop_pending_updates = true."), lang));
    } else if pending >= LONG_QUEUE {
        out.push(finding("PENDING_UPDATES_MANY", Severity::Warning,
            if ru { format!("В очереди {pending} обновлений.") } else { format!("{pending} updates are waiting.") },
            &t("Обработчик отвечает медленно или доставка недавно не работала.",
               "The handler answers slowly, or delivery was down recently."),
            &t("Ускорьте ответ обработчика (сразу 200) или сбросьте очередь (drop_pending_updates).",
               "Make the handler answer at once (200) or drop the queue (drop_pending_updates)."), lang));
    }

    if !url.is_empty() {
        url_findings(url, &mut out, lang);
    }
    if let Some(cert) = cert {
        cert_findings(url, cert, has_custom, now, &mut out, lang);
    }
    out
}

fn url_findings(url: &str, out: &mut Vec<Finding>, lang: Lang) {
    let ru = lang == Lang::Ru;
    let Ok(parsed) = url::Url::parse(url) else {
        return;
    };
    if parsed.scheme() != "https" {
        out.push(finding(
            "URL_NOT_HTTPS",
            Severity::Error,
            lang.pick("Адрес webhook не https.", "The webhook URL is not https.")
                .to_owned(),
            &t(
                "Telegram доставляет только по https.",
                "Telegram delivers over https only.",
            ),
            &t(
                "Установите webhook с адресом https://…",
                "Set the webhook with an https://… URL.",
            ),
            lang,
        ));
    }
    let port = parsed.port_or_known_default().unwrap_or(443);
    if ![443, 80, 88, 8443].contains(&port) {
        out.push(finding(
            "URL_PORT",
            Severity::Error,
            if ru {
                format!("Порт {port} в адресе webhook не поддерживается.")
            } else {
                format!("Port {port} in the webhook URL is not supported.")
            },
            &t(
                "Telegram доставляет только на порты 443, 80, 88 и 8443.",
                "Telegram delivers only to ports 443, 80, 88 and 8443.",
            ),
            &t(
                "Привяжите публикацию к одному из этих портов и установите webhook заново.",
                "Bind the publication to one of these ports and set the webhook again.",
            ),
            lang,
        ));
    }
}

fn cert_findings(
    url: &str,
    cert: &WebhookCertificate,
    has_custom: bool,
    now: i64,
    out: &mut Vec<Finding>,
    lang: Lang,
) {
    let ru = lang == Lang::Ru;
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(|h| h.trim_matches(['[', ']']).to_owned()));
    if let Some(host) = host {
        if !cert.matches_host(&host) {
            let names = cert.names().join(", ");
            out.push(finding("CERTIFICATE_HOST_MISMATCH", Severity::Error,
                if ru { format!("Сертификат выдан на {names}, а хост webhook — {host}.") } else { format!("The certificate is for {names}, but the webhook host is {host}.") },
                &t("Telegram сверяет CN/subjectAltName сертификата с хостом из адреса.",
                   "Telegram matches the certificate's CN/subjectAltName against the URL's host."),
                &t("Выпустите сертификат с CN = хост webhook, установите его на веб-сервер и снова вызовите УстановитьWebhook с ним.",
                   "Make a certificate with CN = the webhook host, install it on the web server and call SetWebhook again with it."), lang));
        }
    }
    if now > cert.not_after {
        let when = format_time(cert.not_after);
        out.push(finding("CERTIFICATE_EXPIRED", Severity::Error,
            if ru { format!("Срок действия сертификата истёк {when}.") } else { format!("The certificate expired on {when}.") },
            &t("Просроченный сертификат Telegram отвергает (certificate verify failed).",
               "Telegram rejects an expired certificate (certificate verify failed)."),
            &t("Выпустите новый сертификат, установите его на веб-сервер и снова вызовите УстановитьWebhook.",
               "Make a new certificate, install it on the web server and call SetWebhook again."), lang));
    } else if cert.not_after - now < EXPIRY_WARNING_DAYS * 86400 {
        let when = format_time(cert.not_after);
        out.push(finding(
            "CERTIFICATE_EXPIRES_SOON",
            Severity::Warning,
            if ru {
                format!("Сертификат истекает {when}.")
            } else {
                format!("The certificate expires on {when}.")
            },
            &t(
                "После этой даты доставка прекратится.",
                "Delivery stops after that date.",
            ),
            &t(
                "Заранее выпустите новый сертификат и установите webhook с ним.",
                "Make a new certificate in advance and set the webhook with it.",
            ),
            lang,
        ));
    }
    if cert.self_signed && !has_custom {
        out.push(finding("CERTIFICATE_NOT_UPLOADED", Severity::Error,
            lang.pick("Сертификат самоподписанный, но Telegram сообщает has_custom_certificate = false: сертификат не загружен.",
                "The certificate is self-signed, but Telegram reports has_custom_certificate = false: it was not uploaded.").to_owned(),
            &t("Самоподписанному сертификату Telegram доверяет, только если его загрузили при установке webhook.",
               "Telegram trusts a self-signed certificate only if it was uploaded when setting the webhook."),
            &t("Вызовите УстановитьWebhook, передав этот сертификат (.pem).",
               "Call SetWebhook with this certificate (.pem)."), lang));
    }
    if !cert.self_signed && has_custom {
        out.push(finding("CERTIFICATE_UPLOADED_FOR_CA", Severity::Warning,
            lang.pick("Сертификат выдан центром сертификации, а в Telegram загружен свой сертификат (has_custom_certificate = true).",
                "The certificate is CA-issued, yet a custom certificate is uploaded to Telegram (has_custom_certificate = true).").to_owned(),
            &t("Загруженный сертификат заменяет проверку по центрам сертификации; если он не совпадает с сертификатом сервера, доставка не работает.",
               "The uploaded certificate replaces the CA check; if it differs from the server's, delivery fails."),
            &t("Установите webhook заново без сертификата.", "Set the webhook again without a certificate."), lang));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn codes(f: &[Finding]) -> Vec<&'static str> {
        f.iter().map(|f| f.code).collect()
    }

    #[test]
    fn every_known_message_has_its_own_explanation() {
        for (msg, code) in [
            (
                "SSL error {error:0A000086:SSL routines::certificate verify failed}",
                "LAST_ERROR_CERTIFICATE_VERIFY_FAILED",
            ),
            (
                "SSL error {error:0A00010B:SSL routines::wrong version number}",
                "LAST_ERROR_NOT_TLS",
            ),
            (
                "Wrong response from the webhook: 401 Unauthorized",
                "LAST_ERROR_HTTP_401",
            ),
            (
                "Wrong response from the webhook: 500 Internal Server Error",
                "LAST_ERROR_HTTP_500",
            ),
            (
                "Wrong response from the webhook: 404 Not Found",
                "LAST_ERROR_HTTP_404",
            ),
            (
                "Wrong response from the webhook: 502 Bad Gateway",
                "LAST_ERROR_HTTP_GATEWAY",
            ),
            (
                "Wrong response from the webhook: 308 Permanent Redirect",
                "LAST_ERROR_HTTP_REDIRECT",
            ),
            (
                "Wrong response from the webhook: 418 I'm a teapot",
                "LAST_ERROR_HTTP_OTHER",
            ),
            ("Connection reset by peer", "LAST_ERROR_CONNECTION_RESET"),
            ("Connection refused", "LAST_ERROR_CONNECTION_REFUSED"),
            ("Connection timed out", "LAST_ERROR_CONNECT_TIMEOUT"),
            ("Read timeout expired", "LAST_ERROR_READ_TIMEOUT"),
            ("Webhook connection closed", "LAST_ERROR_CONNECTION_CLOSED"),
            (
                "Failed to resolve host: Name or service not known",
                "LAST_ERROR_RESOLVE_HOST",
            ),
            ("Something new", "LAST_ERROR_OTHER"),
        ] {
            let info = json!({"url": "https://1.2.3.4/x", "pending_update_count": 3,
                "has_custom_certificate": true, "last_error_date": 1000, "last_error_message": msg});
            for lang in [Lang::Ru, Lang::En] {
                let f = findings(&info, None, 1100, lang);
                assert_eq!(f[0].code, code, "{msg}");
                assert_eq!(f[0].severity, Severity::Error);
                assert!(!f[0].cause.is_empty() && !f[0].remedy.is_empty());
            }
            assert!(codes(&findings(&info, None, 1100, Lang::En))
                .contains(&"PENDING_UPDATES_PILING_UP"));
        }
    }

    #[test]
    fn an_old_error_with_an_empty_queue_is_history() {
        let info = json!({"url": "https://1.2.3.4/x", "pending_update_count": 0,
            "has_custom_certificate": false, "last_error_date": 1000,
            "last_error_message": "Connection refused"});
        let f = findings(&info, None, 1000 + 2 * STALE_ERROR_SECS, Lang::En);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info);
    }

    #[test]
    fn url_checks_and_an_unset_webhook() {
        let f = findings(
            &json!({"url": "https://1.2.3.4:8080/x", "pending_update_count": 0}),
            None,
            0,
            Lang::En,
        );
        assert_eq!(codes(&f), vec!["URL_PORT"]);
        let f = findings(
            &json!({"url": "", "pending_update_count": 0}),
            None,
            0,
            Lang::Ru,
        );
        assert_eq!(codes(&f), vec!["WEBHOOK_NOT_SET"]);
    }
}
