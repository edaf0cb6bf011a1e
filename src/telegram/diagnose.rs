//! CheckWebhook's findings: Telegram's `last_error_message` explained (likely cause and remedy,
//! from the web-publication article and the Bot API server's own error strings), plus checks
//! made here: the URL's port and scheme, the certificate against the URL, whether a self-signed
//! certificate was uploaded, and a queue of updates that is not being delivered.

use serde::Serialize;
use serde_json::Value;

use super::certificate::{format_time, WebhookCertificate};
use crate::i18n::Lang;
use crate::net::{mention, Names, Term};

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

/// What a `last_error_message` from Telegram means: each known message (the Bot API server's
/// own strings) has its code, likely cause and remedy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DeliveryError {
    /// `certificate verify failed`: Telegram does not trust the server's certificate.
    CertificateVerifyFailed,
    /// `wrong version number`, `packet length too long`: plain http where https was expected.
    NotTls,
    /// The webhook answered 401.
    Http401,
    /// The webhook answered 403.
    Http403,
    /// The webhook answered 404.
    Http404,
    /// The webhook answered 500.
    Http500,
    /// The webhook answered 502, 503 or 504.
    HttpGateway,
    /// The webhook answered 3xx.
    HttpRedirect,
    /// The webhook answered another non-2xx status.
    HttpOther,
    /// `Connection reset by peer`.
    ConnectionReset,
    /// `Connection refused`.
    ConnectionRefused,
    /// `Connection timed out`.
    ConnectTimeout,
    /// `Read timeout expired`.
    ReadTimeout,
    /// `Webhook connection closed`.
    ConnectionClosed,
    /// `Failed to resolve host`.
    ResolveHost,
    /// Another SSL error.
    TlsOther,
    /// `Can't connect`.
    CantConnect,
    /// A message not described here.
    Other,
}

impl DeliveryError {
    /// The finding's code in CheckWebhook's result (a finding, not an error code).
    fn finding_code(self) -> &'static str {
        match self {
            DeliveryError::CertificateVerifyFailed => "LAST_ERROR_CERTIFICATE_VERIFY_FAILED",
            DeliveryError::NotTls => "LAST_ERROR_NOT_TLS",
            DeliveryError::Http401 => "LAST_ERROR_HTTP_401",
            DeliveryError::Http403 => "LAST_ERROR_HTTP_403",
            DeliveryError::Http404 => "LAST_ERROR_HTTP_404",
            DeliveryError::Http500 => "LAST_ERROR_HTTP_500",
            DeliveryError::HttpGateway => "LAST_ERROR_HTTP_GATEWAY",
            DeliveryError::HttpRedirect => "LAST_ERROR_HTTP_REDIRECT",
            DeliveryError::HttpOther => "LAST_ERROR_HTTP_OTHER",
            DeliveryError::ConnectionReset => "LAST_ERROR_CONNECTION_RESET",
            DeliveryError::ConnectionRefused => "LAST_ERROR_CONNECTION_REFUSED",
            DeliveryError::ConnectTimeout => "LAST_ERROR_CONNECT_TIMEOUT",
            DeliveryError::ReadTimeout => "LAST_ERROR_READ_TIMEOUT",
            DeliveryError::ConnectionClosed => "LAST_ERROR_CONNECTION_CLOSED",
            DeliveryError::ResolveHost => "LAST_ERROR_RESOLVE_HOST",
            DeliveryError::TlsOther => "LAST_ERROR_TLS_OTHER",
            DeliveryError::CantConnect => "LAST_ERROR_CANT_CONNECT",
            DeliveryError::Other => "LAST_ERROR_OTHER",
        }
    }

    fn cause(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (DeliveryError::CertificateVerifyFailed, Lang::Ru) => "Telegram не доверяет сертификату веб-сервера: самоподписанный сертификат не загружен при установке webhook или загружен другой; CN/subjectAltName не совпадает с хостом в адресе; сертификат просрочен; у сертификата центра сертификации нет промежуточных сертификатов.",
            (DeliveryError::CertificateVerifyFailed, Lang::En) => "Telegram does not trust the web server's certificate: a self-signed certificate was not uploaded with the webhook, or a different one was; the CN/subjectAltName does not match the URL's host; the certificate has expired; a CA certificate lacks its intermediates.",
            (DeliveryError::NotTls, Lang::Ru) => "На этом порту веб-сервер отвечает по http, а не по https.",
            (DeliveryError::NotTls, Lang::En) => "The web server speaks plain http on that port, not https.",
            (DeliveryError::Http401, Lang::Ru) => "Ошибка авторизации: в адресе webhook не указаны или неверно указаны пользователь и пароль 1С (https://пользователь:пароль@хост/…), или в них есть символы, которые Telegram не передаёт.",
            (DeliveryError::Http401, Lang::En) => "Authorization failed: the 1C user and password in the webhook URL (https://user:password@host/…) are missing or wrong, or contain characters Telegram does not pass on.",
            (DeliveryError::Http403, Lang::Ru) => "Доступ запрещён: у пользователя нет прав на http-сервис или обработчик отверг secret_token.",
            (DeliveryError::Http403, Lang::En) => "Access denied: the user has no rights to the http-service, or the handler rejected the secret_token.",
            (DeliveryError::Http404, Lang::Ru) => "Адрес не найден: неверное имя публикации, корневой URL или шаблон URL http-сервиса, либо http-сервис не включён в публикацию.",
            (DeliveryError::Http404, Lang::En) => "Not found: wrong publication name, root URL or URL template of the http-service, or the http-service is not included in the publication.",
            (DeliveryError::Http500, Lang::Ru) => "Обработчик http-сервиса 1С завершился ошибкой (ошибка в коде), или в адресе webhook ошибка.",
            (DeliveryError::Http500, Lang::En) => "The 1C http-service handler raised an error (a bug in the code), or the webhook URL is wrong.",
            (DeliveryError::HttpGateway, Lang::Ru) => "Ответ пришёл от веб-сервера или обратного прокси, а не от 1С: пул приложений IIS остановлен, модуль веб-расширения 1С или сервер 1С недоступен.",
            (DeliveryError::HttpGateway, Lang::En) => "The answer came from the web server or a reverse proxy, not from 1C: the IIS application pool is stopped, or the 1C web extension or 1C server is unavailable.",
            (DeliveryError::HttpRedirect, Lang::Ru) => "Веб-сервер перенаправляет запрос (http→https, добавление косой черты), а Telegram перенаправлениям не следует.",
            (DeliveryError::HttpRedirect, Lang::En) => "The web server redirects the request (http→https, an added trailing slash), and Telegram does not follow redirects.",
            (DeliveryError::HttpOther, Lang::Ru) => "Веб-сервер ответил кодом, отличным от 2xx; доставленным Telegram считает только ответ 2xx.",
            (DeliveryError::HttpOther, Lang::En) => "The web server answered with a non-2xx status; Telegram counts only 2xx as delivered.",
            (DeliveryError::ConnectionReset, Lang::Ru) => "Соединение оборвано: публикация недоступна из внешней сети, веб-сервер отверг TLS-рукопожатие (требует клиентский сертификат, отключён TLS 1.2) или соединение режет межсетевой экран.",
            (DeliveryError::ConnectionReset, Lang::En) => "The connection was cut: the publication is unreachable from outside, the web server rejected the TLS handshake (requires a client certificate, TLS 1.2 disabled), or a firewall cuts it.",
            (DeliveryError::ConnectionRefused, Lang::Ru) => "На этом IP и порту никто не слушает, или межсетевой экран отклоняет соединение.",
            (DeliveryError::ConnectionRefused, Lang::En) => "Nothing listens on that IP and port, or a firewall rejects the connection.",
            (DeliveryError::ConnectTimeout, Lang::Ru) => "Telegram не может установить соединение с публикацией: пакеты отбрасывает межсетевой экран или NAT, порт не проброшен, указан не тот внешний IP (часто webhook установлен из другой сети).",
            (DeliveryError::ConnectTimeout, Lang::En) => "Telegram cannot connect to the publication: a firewall or NAT drops packets, the port is not forwarded, or the wrong external IP is used (often the webhook was set from another network).",
            (DeliveryError::ReadTimeout, Lang::Ru) => "Соединение установлено, но обработчик не ответил вовремя (около 60 секунд).",
            (DeliveryError::ReadTimeout, Lang::En) => "Connected, but the handler did not answer in time (about 60 seconds).",
            (DeliveryError::ConnectionClosed, Lang::Ru) => "Веб-сервер закрыл соединение, не ответив.",
            (DeliveryError::ConnectionClosed, Lang::En) => "The web server closed the connection without answering.",
            (DeliveryError::ResolveHost, Lang::Ru) => "Имя хоста из адреса webhook не разрешается в DNS со стороны Telegram.",
            (DeliveryError::ResolveHost, Lang::En) => "The webhook URL's host name does not resolve in DNS from Telegram's side.",
            (DeliveryError::TlsOther, Lang::Ru) => "Ошибка TLS при соединении с веб-сервером (часто повреждён загруженный сертификат или веб-сервер не поддерживает TLS 1.2+).",
            (DeliveryError::TlsOther, Lang::En) => "A TLS error when connecting to the web server (often a broken uploaded certificate, or the server lacks TLS 1.2+).",
            (DeliveryError::CantConnect, Lang::Ru) => "Telegram не смог подключиться к веб-серверу.",
            (DeliveryError::CantConnect, Lang::En) => "Telegram could not connect to the web server.",
            (DeliveryError::Other, Lang::Ru) => "Telegram сообщает об ошибке доставки, которая здесь не описана.",
            (DeliveryError::Other, Lang::En) => "Telegram reports a delivery error not described here.",
        }
    }

    fn remedy(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (DeliveryError::CertificateVerifyFailed, Lang::Ru) => "Выпустите сертификат с CN = хост из адреса (IP или домен), установите его на веб-сервер (IIS/Apache) и снова установите webhook{set_webhook}, передав этот же сертификат (.pem, не ключ).",
            (DeliveryError::CertificateVerifyFailed, Lang::En) => "Make a certificate with CN = the URL's host (IP or domain), install it on the web server (IIS/Apache) and set the webhook again{set_webhook} with that same certificate (.pem, not the key).",
            (DeliveryError::NotTls, Lang::Ru) => "Добавьте привязку https с сертификатом на этот порт (IIS: Привязки → https) или укажите порт, на котором работает https.",
            (DeliveryError::NotTls, Lang::En) => "Add an https binding with the certificate on that port (IIS: Bindings → https) or give the port where https runs.",
            (DeliveryError::Http401, Lang::Ru) => "Проверьте вход этим пользователем в браузере по тому же адресу; используйте отдельного пользователя 1С с латинским именем и паролем из A-Z a-z 0-9 . _ ~ - с правами на http-сервис и снова установите webhook.",
            (DeliveryError::Http401, Lang::En) => "Check the login with that user in a browser at the same URL; use a dedicated 1C user with a Latin name and a password of A-Z a-z 0-9 . _ ~ - with rights to the http-service, and set the webhook again.",
            (DeliveryError::Http403, Lang::Ru) => "Дайте пользователю роль с правом на http-сервис; сверьте secret_token в webhook и в обработчике.",
            (DeliveryError::Http403, Lang::En) => "Give the user a role with the right to the http-service; compare the secret_token in the webhook and in the handler.",
            (DeliveryError::Http404, Lang::Ru) => "Откройте адрес https://хост/ИмяПубликации/hs/КорневойURL/ШаблонURL в браузере; включите http-сервис в публикацию (default.vrd) и перезапустите веб-сервер.",
            (DeliveryError::Http404, Lang::En) => "Open https://host/Publication/hs/RootURL/Template in a browser; include the http-service in the publication (default.vrd) and restart the web server.",
            (DeliveryError::Http500, Lang::Ru) => "Посмотрите журнал регистрации 1С, исправьте код обработчика (он должен быстро вернуть код 200) и проверьте адрес.",
            (DeliveryError::Http500, Lang::En) => "Look at the 1C event log, fix the handler (it must return 200 quickly) and check the URL.",
            (DeliveryError::HttpGateway, Lang::Ru) => "Проверьте пул приложений и публикацию, доступность сервера 1С, журнал веб-сервера.",
            (DeliveryError::HttpGateway, Lang::En) => "Check the application pool and the publication, that the 1C server is up, and the web server's log.",
            (DeliveryError::HttpRedirect, Lang::Ru) => "Укажите в webhook окончательный адрес (ровно тот, куда ведёт перенаправление).",
            (DeliveryError::HttpRedirect, Lang::En) => "Set the webhook to the final URL (exactly where the redirect leads).",
            (DeliveryError::HttpOther, Lang::Ru) => "Обработчик должен быстро отвечать кодом 200; проверьте журнал веб-сервера и 1С.",
            (DeliveryError::HttpOther, Lang::En) => "The handler must answer 200 quickly; check the web server's and 1C's logs.",
            (DeliveryError::ConnectionReset, Lang::Ru) => "Проверьте, что публикация открывается из внешней сети (например, со смартфона через мобильную сеть), что включён TLS 1.2 и не требуется клиентский сертификат.",
            (DeliveryError::ConnectionReset, Lang::En) => "Check that the publication opens from outside (say, from a phone on mobile data), that TLS 1.2 is on and no client certificate is required.",
            (DeliveryError::ConnectionRefused, Lang::Ru) => "Проверьте привязку сайта к порту, проброс порта на роутере и правила межсетевого экрана.",
            (DeliveryError::ConnectionRefused, Lang::En) => "Check the site's port binding, the router's port forwarding and the firewall rules.",
            (DeliveryError::ConnectTimeout, Lang::Ru) => "Укажите внешний статический IP публикации, пробросьте порт, разрешите входящие с 149.154.160.0/20 и 91.108.4.0/22.",
            (DeliveryError::ConnectTimeout, Lang::En) => "Give the publication's external static IP, forward the port, and allow incoming traffic from 149.154.160.0/20 and 91.108.4.0/22.",
            (DeliveryError::ReadTimeout, Lang::Ru) => "Отвечайте 200 сразу, а обработку выполняйте позже (фоновое задание, очередь).",
            (DeliveryError::ReadTimeout, Lang::En) => "Answer 200 at once and process later (a background job, a queue).",
            (DeliveryError::ConnectionClosed, Lang::Ru) => "Проверьте журнал веб-сервера и ограничения на keep-alive соединения.",
            (DeliveryError::ConnectionClosed, Lang::En) => "Check the web server's log and its keep-alive limits.",
            (DeliveryError::ResolveHost, Lang::Ru) => "Исправьте DNS-запись (A-запись на внешний IP) или передайте ip_address в дополнительных параметрах{options}.",
            (DeliveryError::ResolveHost, Lang::En) => "Fix the DNS record (an A record to the external IP) or pass ip_address in the options{options}.",
            (DeliveryError::TlsOther, Lang::Ru) => "Загрузите сертификат заново (PEM, без ключа), включите на веб-сервере TLS 1.2 или 1.3.",
            (DeliveryError::TlsOther, Lang::En) => "Upload the certificate again (PEM, without the key), enable TLS 1.2 or 1.3 on the web server.",
            (DeliveryError::CantConnect, Lang::Ru) => "Проверьте доступность адреса из внешней сети и загруженный сертификат.",
            (DeliveryError::CantConnect, Lang::En) => "Check that the URL is reachable from outside, and the uploaded certificate.",
            (DeliveryError::Other, Lang::Ru) => "Проверьте доступность адреса webhook из внешней сети и журналы веб-сервера и 1С.",
            (DeliveryError::Other, Lang::En) => "Check that the webhook URL is reachable from outside, and the web server's and 1C's logs.",
        }
    }

    /// The explanation of a `last_error_message`.
    fn of(message: &str) -> DeliveryError {
        let m = message.to_ascii_lowercase();
        if m.contains("certificate verify failed") {
            return DeliveryError::CertificateVerifyFailed;
        }
        if m.contains("wrong version number") || m.contains("packet length too long") {
            return DeliveryError::NotTls;
        }
        if let Some(rest) = m.split("wrong response from the webhook:").nth(1) {
            let status: u16 = rest
                .trim()
                .split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|d| d.parse().ok())
                .unwrap_or(0);
            return match status {
                401 => DeliveryError::Http401,
                403 => DeliveryError::Http403,
                404 => DeliveryError::Http404,
                500 => DeliveryError::Http500,
                502..=504 => DeliveryError::HttpGateway,
                300..=399 => DeliveryError::HttpRedirect,
                _ => DeliveryError::HttpOther,
            };
        }
        let known = [
            ("connection reset by peer", DeliveryError::ConnectionReset),
            ("connection refused", DeliveryError::ConnectionRefused),
            ("connection timed out", DeliveryError::ConnectTimeout),
            ("read timeout expired", DeliveryError::ReadTimeout),
            ("webhook connection closed", DeliveryError::ConnectionClosed),
            ("failed to resolve host", DeliveryError::ResolveHost),
            ("ssl error", DeliveryError::TlsOther),
            ("ssl connection", DeliveryError::TlsOther),
            ("ssl context", DeliveryError::TlsOther),
            ("can't connect", DeliveryError::CantConnect),
        ];
        known
            .iter()
            .find(|(text, _)| m.contains(text))
            .map_or(DeliveryError::Other, |(_, explained)| *explained)
    }
}

/// One finding, with what its message quotes. Its code, severity and texts follow from it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Check {
    /// No webhook URL.
    NotSet,
    /// Telegram's last delivery error (`when` formatted, `text` as Telegram wrote it); `stale`
    /// when it is old and the queue is empty.
    LastError {
        explained: DeliveryError,
        when: String,
        text: String,
        stale: bool,
    },
    /// Updates wait and a delivery just failed.
    PilingUp {
        pending: i64,
    },
    /// Many updates wait.
    ManyPending {
        pending: i64,
    },
    UrlNotHttps,
    UrlPort {
        port: u16,
    },
    HostMismatch {
        names: String,
        host: String,
    },
    Expired {
        when: String,
    },
    ExpiresSoon {
        when: String,
    },
    /// Self-signed, and Telegram has no uploaded certificate.
    NotUploaded,
    /// CA-issued, and Telegram has an uploaded one.
    UploadedForCa,
}

impl Check {
    /// The finding's code in CheckWebhook's result (a finding, not an error code).
    fn finding_code(&self) -> &'static str {
        match self {
            Check::NotSet => "WEBHOOK_NOT_SET",
            Check::LastError { explained, .. } => explained.finding_code(),
            Check::PilingUp { .. } => "PENDING_UPDATES_PILING_UP",
            Check::ManyPending { .. } => "PENDING_UPDATES_MANY",
            Check::UrlNotHttps => "URL_NOT_HTTPS",
            Check::UrlPort { .. } => "URL_PORT",
            Check::HostMismatch { .. } => "CERTIFICATE_HOST_MISMATCH",
            Check::Expired { .. } => "CERTIFICATE_EXPIRED",
            Check::ExpiresSoon { .. } => "CERTIFICATE_EXPIRES_SOON",
            Check::NotUploaded => "CERTIFICATE_NOT_UPLOADED",
            Check::UploadedForCa => "CERTIFICATE_UPLOADED_FOR_CA",
        }
    }

    fn severity(&self) -> Severity {
        match self {
            Check::LastError { stale: true, .. } => Severity::Info,
            Check::NotSet | Check::ManyPending { .. } | Check::ExpiresSoon { .. } => {
                Severity::Warning
            }
            Check::UploadedForCa => Severity::Warning,
            _ => Severity::Error,
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (Check::NotSet, Lang::Ru) => {
                "Webhook не установлен: обновления можно получать только getUpdates.".to_owned()
            }
            (Check::NotSet, Lang::En) => {
                "No webhook is set: updates can only be fetched with getUpdates.".to_owned()
            }
            (
                Check::LastError {
                    when,
                    text,
                    stale: false,
                    ..
                },
                Lang::Ru,
            ) => format!("Последняя ошибка доставки ({when}): {text}"),
            (
                Check::LastError {
                    when,
                    text,
                    stale: false,
                    ..
                },
                Lang::En,
            ) => format!("Last delivery error ({when}): {text}"),
            (Check::LastError { when, text, .. }, Lang::Ru) => format!(
                "Старая ошибка доставки ({when}), очередь пуста — вероятно, уже устранена: {text}"
            ),
            (Check::LastError { when, text, .. }, Lang::En) => format!(
                "An old delivery error ({when}) with an empty queue, probably fixed since: {text}"
            ),
            (Check::PilingUp { pending }, Lang::Ru) => format!(
                "В очереди {pending} недоставленных обновлений, и доставка только что \
                 завершилась ошибкой: очередь растёт."
            ),
            (Check::PilingUp { pending }, Lang::En) => format!(
                "{pending} updates are waiting and a delivery just failed: the queue is growing."
            ),
            (Check::ManyPending { pending }, Lang::Ru) => {
                format!("В очереди {pending} обновлений.")
            }
            (Check::ManyPending { pending }, Lang::En) => {
                format!("{pending} updates are waiting.")
            }
            (Check::UrlNotHttps, Lang::Ru) => "Адрес webhook не https.".to_owned(),
            (Check::UrlNotHttps, Lang::En) => "The webhook URL is not https.".to_owned(),
            (Check::UrlPort { port }, Lang::Ru) => {
                format!("Порт {port} в адресе webhook не поддерживается.")
            }
            (Check::UrlPort { port }, Lang::En) => {
                format!("Port {port} in the webhook URL is not supported.")
            }
            (Check::HostMismatch { names, host }, Lang::Ru) => {
                format!("Сертификат выдан на {names}, а хост webhook — {host}.")
            }
            (Check::HostMismatch { names, host }, Lang::En) => {
                format!("The certificate is for {names}, but the webhook host is {host}.")
            }
            (Check::Expired { when }, Lang::Ru) => {
                format!("Срок действия сертификата истёк {when}.")
            }
            (Check::Expired { when }, Lang::En) => format!("The certificate expired on {when}."),
            (Check::ExpiresSoon { when }, Lang::Ru) => format!("Сертификат истекает {when}."),
            (Check::ExpiresSoon { when }, Lang::En) => {
                format!("The certificate expires on {when}.")
            }
            (Check::NotUploaded, Lang::Ru) => {
                "Сертификат самоподписанный, но Telegram сообщает has_custom_certificate = \
                 false: сертификат не загружен."
                    .to_owned()
            }
            (Check::NotUploaded, Lang::En) => {
                "The certificate is self-signed, but Telegram reports has_custom_certificate = \
                 false: it was not uploaded."
                    .to_owned()
            }
            (Check::UploadedForCa, Lang::Ru) => {
                "Сертификат выдан центром сертификации, а в Telegram загружен свой сертификат \
                 (has_custom_certificate = true)."
                    .to_owned()
            }
            (Check::UploadedForCa, Lang::En) => {
                "The certificate is CA-issued, yet a custom certificate is uploaded to Telegram \
                 (has_custom_certificate = true)."
                    .to_owned()
            }
        }
    }

    fn cause(&self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Check::NotSet, Lang::Ru) => {
                "Webhook не устанавливали, удалили, или Telegram снял его."
            }
            (Check::NotSet, Lang::En) => {
                "The webhook was never set, was deleted, or Telegram removed it."
            }
            (Check::LastError { explained, .. }, _) => explained.cause(lang),
            (Check::PilingUp { .. }, Lang::Ru) => {
                "Telegram не может доставить обновления (см. последнюю ошибку) и повторяет \
                 попытки всё реже."
            }
            (Check::PilingUp { .. }, Lang::En) => {
                "Telegram cannot deliver updates (see the last error) and retries less and less \
                 often."
            }
            (Check::ManyPending { .. }, Lang::Ru) => {
                "Обработчик отвечает медленно или доставка недавно не работала."
            }
            (Check::ManyPending { .. }, Lang::En) => {
                "The handler answers slowly, or delivery was down recently."
            }
            (Check::UrlNotHttps, Lang::Ru) => "Telegram доставляет только по https.",
            (Check::UrlNotHttps, Lang::En) => "Telegram delivers over https only.",
            (Check::UrlPort { .. }, Lang::Ru) => {
                "Telegram доставляет только на порты 443, 80, 88 и 8443."
            }
            (Check::UrlPort { .. }, Lang::En) => {
                "Telegram delivers only to ports 443, 80, 88 and 8443."
            }
            (Check::HostMismatch { .. }, Lang::Ru) => {
                "Telegram сверяет CN/subjectAltName сертификата с хостом из адреса."
            }
            (Check::HostMismatch { .. }, Lang::En) => {
                "Telegram matches the certificate's CN/subjectAltName against the URL's host."
            }
            (Check::Expired { .. }, Lang::Ru) => {
                "Просроченный сертификат Telegram отвергает (certificate verify failed)."
            }
            (Check::Expired { .. }, Lang::En) => {
                "Telegram rejects an expired certificate (certificate verify failed)."
            }
            (Check::ExpiresSoon { .. }, Lang::Ru) => "После этой даты доставка прекратится.",
            (Check::ExpiresSoon { .. }, Lang::En) => "Delivery stops after that date.",
            (Check::NotUploaded, Lang::Ru) => {
                "Самоподписанному сертификату Telegram доверяет, только если его загрузили при \
                 установке webhook."
            }
            (Check::NotUploaded, Lang::En) => {
                "Telegram trusts a self-signed certificate only if it was uploaded when setting \
                 the webhook."
            }
            (Check::UploadedForCa, Lang::Ru) => {
                "Загруженный сертификат заменяет проверку по центрам сертификации; если он не \
                 совпадает с сертификатом сервера, доставка не работает."
            }
            (Check::UploadedForCa, Lang::En) => {
                "The uploaded certificate replaces the CA check; if it differs from the \
                 server's, delivery fails."
            }
        }
    }

    fn remedy(&self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Check::NotSet, Lang::Ru) => "Установите webhook{set_webhook}.",
            (Check::NotSet, Lang::En) => "Set the webhook{set_webhook}.",
            (Check::LastError { explained, .. }, _) => explained.remedy(lang),
            (Check::PilingUp { .. }, Lang::Ru) => {
                "Устраните последнюю ошибку; если старые обновления не нужны, установите webhook \
                 с drop_pending_updates = true."
            }
            (Check::PilingUp { .. }, Lang::En) => {
                "Fix the last error; if the old updates are not needed, set the webhook with \
                 drop_pending_updates = true."
            }
            (Check::ManyPending { .. }, Lang::Ru) => {
                "Ускорьте ответ обработчика (сразу 200) или сбросьте очередь \
                 (drop_pending_updates)."
            }
            (Check::ManyPending { .. }, Lang::En) => {
                "Make the handler answer at once (200) or drop the queue (drop_pending_updates)."
            }
            (Check::UrlNotHttps, Lang::Ru) => "Установите webhook с адресом https://…",
            (Check::UrlNotHttps, Lang::En) => "Set the webhook with an https://… URL.",
            (Check::UrlPort { .. }, Lang::Ru) => {
                "Привяжите публикацию к одному из этих портов и установите webhook заново."
            }
            (Check::UrlPort { .. }, Lang::En) => {
                "Bind the publication to one of these ports and set the webhook again."
            }
            (Check::HostMismatch { .. }, Lang::Ru) => {
                "Выпустите сертификат с CN = хост webhook, установите его на веб-сервер и снова \
                 установите webhook{set_webhook} с ним."
            }
            (Check::HostMismatch { .. }, Lang::En) => {
                "Make a certificate with CN = the webhook host, install it on the web server and \
                 set the webhook again{set_webhook} with it."
            }
            (Check::Expired { .. }, Lang::Ru) => {
                "Выпустите новый сертификат, установите его на веб-сервер и снова установите \
                 webhook{set_webhook}."
            }
            (Check::Expired { .. }, Lang::En) => {
                "Make a new certificate, install it on the web server and set the webhook \
                 again{set_webhook}."
            }
            (Check::ExpiresSoon { .. }, Lang::Ru) => {
                "Заранее выпустите новый сертификат и установите webhook с ним."
            }
            (Check::ExpiresSoon { .. }, Lang::En) => {
                "Make a new certificate in advance and set the webhook with it."
            }
            (Check::NotUploaded, Lang::Ru) => {
                "Установите webhook{set_webhook}, передав этот сертификат (.pem)."
            }
            (Check::NotUploaded, Lang::En) => {
                "Set the webhook{set_webhook} with this certificate (.pem)."
            }
            (Check::UploadedForCa, Lang::Ru) => "Установите webhook заново без сертификата.",
            (Check::UploadedForCa, Lang::En) => "Set the webhook again without a certificate.",
        }
    }

    fn finding(&self, lang: Lang, names: &dyn Names) -> Finding {
        Finding {
            code: self.finding_code(),
            severity: self.severity(),
            message: self.message(lang),
            cause: self.cause(lang).to_owned(),
            remedy: named(self.remedy(lang), names, lang),
        }
    }
}

/// A remedy with the calls and parameters it sends the reader to (`{set_webhook}`,
/// `{options}`) named as the face in front of the library names them.
fn named(remedy: &str, names: &dyn Names, lang: Lang) -> String {
    remedy
        .replace("{set_webhook}", &mention(names, Term::SetWebhook, lang))
        .replace("{options}", &mention(names, Term::Options, lang))
}

/// The findings for a WebhookInfo (and the certificate the user says the server has), at `now`,
/// in `lang` with the calls they send the reader to named by `names`.
pub fn findings(
    info: &Value,
    cert: Option<&WebhookCertificate>,
    now: i64,
    lang: Lang,
    names: &dyn Names,
) -> Vec<Finding> {
    checks(info, cert, now)
        .iter()
        .map(|check| check.finding(lang, names))
        .collect()
}

fn checks(info: &Value, cert: Option<&WebhookCertificate>, now: i64) -> Vec<Check> {
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
        out.push(Check::NotSet);
    }

    if let Some(msg) = error_message {
        let age = error_date.map(|d| now - d);
        out.push(Check::LastError {
            explained: DeliveryError::of(msg),
            when: error_date.map(format_time).unwrap_or_default(),
            text: msg.to_owned(),
            stale: matches!(age, Some(a) if a > STALE_ERROR_SECS) && pending == 0,
        });
    }

    // Growth is judged from one reading: a fresh delivery error with updates waiting. Two
    // readings would have to be minutes apart (Telegram backs off between retries), longer than
    // a call's Timeout, and the reference's advice is exactly this comparison of dates.
    let recent_error = matches!(error_date, Some(d) if now - d <= RECENT_ERROR_SECS);
    if pending > 0 && recent_error {
        out.push(Check::PilingUp { pending });
    } else if pending >= LONG_QUEUE {
        out.push(Check::ManyPending { pending });
    }

    if !url.is_empty() {
        url_checks(url, &mut out);
    }
    if let Some(cert) = cert {
        cert_checks(url, cert, has_custom, now, &mut out);
    }
    out
}

fn url_checks(url: &str, out: &mut Vec<Check>) {
    let Ok(parsed) = url::Url::parse(url) else {
        return;
    };
    if parsed.scheme() != "https" {
        out.push(Check::UrlNotHttps);
    }
    let port = parsed.port_or_known_default().unwrap_or(443);
    if ![443, 80, 88, 8443].contains(&port) {
        out.push(Check::UrlPort { port });
    }
}

fn cert_checks(
    url: &str,
    cert: &WebhookCertificate,
    has_custom: bool,
    now: i64,
    out: &mut Vec<Check>,
) {
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(|h| h.trim_matches(['[', ']']).to_owned()));
    if let Some(host) = host {
        if !cert.matches_host(&host) {
            out.push(Check::HostMismatch {
                names: cert.names().join(", "),
                host,
            });
        }
    }
    if now > cert.not_after {
        out.push(Check::Expired {
            when: format_time(cert.not_after),
        });
    } else if cert.not_after - now < EXPIRY_WARNING_DAYS * 86400 {
        out.push(Check::ExpiresSoon {
            when: format_time(cert.not_after),
        });
    }
    if cert.self_signed && !has_custom {
        out.push(Check::NotUploaded);
    }
    if !cert.self_signed && has_custom {
        out.push(Check::UploadedForCa);
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
                let f = findings(&info, None, 1100, lang, &crate::net::Plain);
                assert_eq!(f[0].code, code, "{msg}");
                assert_eq!(f[0].severity, Severity::Error);
                assert!(!f[0].cause.is_empty() && !f[0].remedy.is_empty());
            }
            assert!(
                codes(&findings(&info, None, 1100, Lang::En, &crate::net::Plain))
                    .contains(&"PENDING_UPDATES_PILING_UP")
            );
        }
    }

    #[test]
    fn texts_in_both_languages() {
        let stale = Check::LastError {
            explained: DeliveryError::of("Connection refused"),
            when: "2026-01-02 03:04:05 UTC".into(),
            text: "Connection refused".into(),
            stale: true,
        };
        let ru = stale.finding(Lang::Ru, &crate::net::Plain);
        assert_eq!(ru.code, "LAST_ERROR_CONNECTION_REFUSED");
        assert_eq!(ru.severity, Severity::Info);
        assert_eq!(
            ru.message,
            "Старая ошибка доставки (2026-01-02 03:04:05 UTC), очередь пуста — вероятно, уже \
             устранена: Connection refused"
        );
        assert_eq!(
            ru.cause,
            "На этом IP и порту никто не слушает, или межсетевой экран отклоняет соединение."
        );
        let en = Check::UrlPort { port: 8080 }.finding(Lang::En, &crate::net::Plain);
        assert_eq!(en.message, "Port 8080 in the webhook URL is not supported.");
        assert_eq!(
            en.remedy,
            "Bind the publication to one of these ports and set the webhook again."
        );
        // Every explanation has its own Russian and English text.
        for m in [
            "certificate verify failed",
            "Wrong response from the webhook: 403",
            "x",
        ] {
            let d = DeliveryError::of(m);
            assert_ne!(d.cause(Lang::Ru), d.cause(Lang::En), "{m}");
            assert_ne!(d.remedy(Lang::Ru), d.remedy(Lang::En), "{m}");
        }
    }

    #[test]
    fn an_old_error_with_an_empty_queue_is_history() {
        let info = json!({"url": "https://1.2.3.4/x", "pending_update_count": 0,
            "has_custom_certificate": false, "last_error_date": 1000,
            "last_error_message": "Connection refused"});
        let f = findings(
            &info,
            None,
            1000 + 2 * STALE_ERROR_SECS,
            Lang::En,
            &crate::net::Plain,
        );
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
            &crate::net::Plain,
        );
        assert_eq!(codes(&f), vec!["URL_PORT"]);
        let f = findings(
            &json!({"url": "", "pending_update_count": 0}),
            None,
            0,
            Lang::Ru,
            &crate::net::Plain,
        );
        assert_eq!(codes(&f), vec!["WEBHOOK_NOT_SET"]);
    }
}
