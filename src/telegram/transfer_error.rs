//! What can go wrong when files go to or come from Telegram, and when updates are polled. Kept
//! apart from [`super::Error`] (which carries it as [`super::Error::Transfer`]) so that the
//! webhook errors and these grow independently; same rules: structured fields, a stable code,
//! Russian and English, no token and no file content in any text.

use std::fmt;
use std::io;

use crate::i18n::{Lang, Localized};
use crate::net::{mention, Names, Plain, Term};

/// A value as an error shows it: whole when short, cut after 64 characters.
pub(crate) fn clip(value: &str) -> String {
    const SHOWN: usize = 64;
    match value.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}…", &value[..cut]),
        None => value.to_owned(),
    }
}

/// Which Bot API limit a file met.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// Uploads to Telegram's cloud: 50 MB.
    CloudUpload,
    /// Photos uploaded to Telegram's cloud (sendPhoto): 10 MB.
    CloudPhoto,
    /// Uploads to a local Bot API server: 2000 MB.
    LocalUpload,
    /// getFile on Telegram's cloud: 20 MB.
    CloudDownload,
    /// Downloads from a local Bot API server, bounded like its uploads: 2000 MB.
    LocalDownload,
}

impl Limit {
    /// The limit in bytes (MB of 1024 × 1024 bytes, as Telegram counts them).
    pub fn bytes(self) -> u64 {
        const MB: u64 = 1024 * 1024;
        match self {
            Limit::CloudUpload => 50 * MB,
            Limit::CloudPhoto => 10 * MB,
            Limit::LocalUpload | Limit::LocalDownload => 2000 * MB,
            Limit::CloudDownload => 20 * MB,
        }
    }

    fn megabytes(self) -> u64 {
        self.bytes() / (1024 * 1024)
    }
}

/// What is wrong with a local file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotAFile {
    Directory,
    /// A FIFO, socket or device: reading it could block or never end.
    Special,
}

/// What is wrong with a file value inside the parameters (`{"file": …}`, `{"file_base64": …}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileValueProblem {
    /// `file` or `file_base64` is not a string.
    NotAString,
    /// `file_base64` is not base64.
    BadBase64,
    /// A key other than `file`, `file_base64` and `name`.
    UnknownKey,
    /// Both `file` and `file_base64`.
    Both,
}

/// Why a file transfer or a poll failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum TransferError {
    /// A local file to upload could not be opened or read (`path` clipped).
    Unreadable { path: String, source: io::Error },
    /// The local path is empty, holds a NUL or is absurdly long: refused before any system call.
    Path(crate::fsio::Error),
    /// The local path names a directory, a FIFO, a socket or a device.
    NotRegularFile { path: String, what: NotAFile },
    /// The file is over the Bot API's limit; refused before anything was sent (upload), or
    /// Telegram said so (download, `size` unknown then).
    TooLarge { size: Option<u64>, limit: Limit },
    /// `method` in the options of SendTelegramFile is not one of the eight send methods.
    UnknownSendMethod { method: String },
    /// The file argument is an empty string.
    EmptyFile,
    /// A file value in the parameters is malformed.
    FileValue {
        parameter: String,
        problem: FileValueProblem,
    },
    /// `attach://name` names no file part of the request.
    AttachMissing { name: String },
    /// getFile answered without `file_path`.
    NoFilePath,
    /// The file URL answered with something other than 200.
    DownloadStatus { status: u16 },
    /// `limit` of getUpdates outside 1..=100.
    UpdatesLimit { value: i64 },
    /// An `allowed_updates` entry is empty.
    AllowedUpdatesEmpty,
    /// getUpdates answered 409: a webhook is set (`webhook` true) or another poller runs.
    PollingConflict { webhook: bool, description: String },
}

impl fmt::Display for TransferError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for TransferError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TransferError::Unreadable { source, .. } => Some(source),
            TransferError::Path(e) => Some(e),
            _ => None,
        }
    }
}

impl Localized for TransferError {
    fn code(&self) -> &'static str {
        match self {
            TransferError::Unreadable { source, .. }
                if source.kind() == io::ErrorKind::NotFound =>
            {
                "TELEGRAM_FILE_NOT_FOUND"
            }
            TransferError::Unreadable { .. } => "TELEGRAM_FILE_UNREADABLE",
            TransferError::Path(_) => "TELEGRAM_FILE_PATH",
            TransferError::NotRegularFile { .. } => "TELEGRAM_FILE_NOT_REGULAR",
            TransferError::TooLarge { .. } => "TELEGRAM_FILE_TOO_LARGE",
            TransferError::UnknownSendMethod { .. } => "TELEGRAM_FILE_METHOD",
            TransferError::EmptyFile => "TELEGRAM_FILE_EMPTY",
            TransferError::FileValue { .. } => "TELEGRAM_FILE_VALUE",
            TransferError::AttachMissing { .. } => "TELEGRAM_ATTACH_MISSING",
            TransferError::NoFilePath => "TELEGRAM_FILE_NO_PATH",
            TransferError::DownloadStatus { .. } => "TELEGRAM_FILE_DOWNLOAD",
            TransferError::UpdatesLimit { .. } => "TELEGRAM_UPDATES_LIMIT",
            TransferError::AllowedUpdatesEmpty => "TELEGRAM_ALLOWED_UPDATES",
            TransferError::PollingConflict { .. } => "TELEGRAM_POLLING_CONFLICT",
        }
    }

    fn settings(&self) -> &'static [crate::net::Setting] {
        match self {
            TransferError::TooLarge {
                limit: Limit::CloudUpload | Limit::CloudDownload,
                ..
            } => &[crate::net::Setting::TelegramApiUrl],
            _ => &[],
        }
    }

    fn message(&self, lang: Lang) -> String {
        self.message_named(lang, &Plain)
    }

    fn message_named(&self, lang: Lang, names: &dyn Names) -> String {
        use TransferError::*;
        match (self, lang) {
            (Unreadable { path, source }, Lang::Ru) => format!(
                "не удалось прочитать файл «{path}»: {}",
                crate::fsio::io_reason(source, lang)
            ),
            (Unreadable { path, source }, Lang::En) => {
                format!(
                    "cannot read the file '{path}': {}",
                    crate::fsio::io_reason(source, lang)
                )
            }
            (Path(e), _) => e.message(lang),
            (NotRegularFile { path, what }, Lang::Ru) => {
                let what = match what {
                    NotAFile::Directory => "это каталог",
                    NotAFile::Special => "это не обычный файл (канал, сокет или устройство)",
                };
                format!("«{path}» нельзя отправить: {what}. Укажите путь к файлу")
            }
            (NotRegularFile { path, what }, Lang::En) => {
                let what = match what {
                    NotAFile::Directory => "it is a directory",
                    NotAFile::Special => "it is not a regular file (a pipe, socket or device)",
                };
                format!("'{path}' cannot be sent: {what}. Give the path of a file")
            }
            (TooLarge { size, limit }, _) => {
                let mb = limit.megabytes();
                let size = match (size, lang) {
                    (Some(s), Lang::Ru) => format!(" ({s} байт)"),
                    (Some(s), Lang::En) => format!(" ({s} bytes)"),
                    (None, _) => String::new(),
                };
                match (limit, lang) {
                    (Limit::CloudUpload, Lang::Ru) => format!(
                        "файл больше {mb} МБ{size}: столько Telegram принимает от ботов; ничего не \
                         отправлено. Для файлов до 2000 МБ нужен свой Bot API сервер"
                    ),
                    (Limit::CloudUpload, Lang::En) => format!(
                        "the file is over {mb} MB{size}, the most Telegram takes from bots; nothing \
                         was sent. Files up to 2000 MB need a local Bot API server"
                    ),
                    (Limit::CloudPhoto, Lang::Ru) => format!(
                        "фото больше {mb} МБ{size}: столько Telegram принимает в sendPhoto; ничего \
                         не отправлено. Отправьте его документом (sendDocument)"
                    ),
                    (Limit::CloudPhoto, Lang::En) => format!(
                        "the photo is over {mb} MB{size}, the most sendPhoto takes; nothing was \
                         sent. Send it as a document (sendDocument)"
                    ),
                    (Limit::LocalUpload, Lang::Ru) => format!(
                        "файл больше {mb} МБ{size}: столько принимает Bot API сервер; ничего не \
                         отправлено"
                    ),
                    (Limit::LocalUpload, Lang::En) => format!(
                        "the file is over {mb} MB{size}, the most a Bot API server takes; nothing \
                         was sent"
                    ),
                    (Limit::CloudDownload, Lang::Ru) => format!(
                        "файл больше {mb} МБ{size}: столько Telegram отдаёт ботам через getFile. \
                         Для больших файлов нужен свой Bot API сервер"
                    ),
                    (Limit::CloudDownload, Lang::En) => format!(
                        "the file is over {mb} MB{size}, the most Telegram gives bots through \
                         getFile. Larger files need a local Bot API server"
                    ),
                    (Limit::LocalDownload, Lang::Ru) => {
                        format!("файл больше {mb} МБ{size}: такой не скачивается в память")
                    }
                    (Limit::LocalDownload, Lang::En) => {
                        format!("the file is over {mb} MB{size}: too large to download into memory")
                    }
                }
            }
            (UnknownSendMethod { method }, Lang::Ru) => format!(
                "method «{method}» не отправляет файлы: допустимы sendDocument, sendPhoto, \
                 sendAudio, sendVideo, sendAnimation, sendVoice, sendVideoNote, sendSticker"
            ),
            (UnknownSendMethod { method }, Lang::En) => format!(
                "method '{method}' does not send files: allowed are sendDocument, sendPhoto, \
                 sendAudio, sendVideo, sendAnimation, sendVoice, sendVideoNote, sendSticker"
            ),
            (EmptyFile, Lang::Ru) => "файл не указан: передайте ДвоичныеДанные, путь, адрес \
                 http(s) или file_id"
                .to_owned(),
            (EmptyFile, Lang::En) => "no file given: pass BinaryData, a path, an http(s) URL or \
                 a file_id"
                .to_owned(),
            (FileValue { parameter, problem }, _) => {
                let what = match problem {
                    FileValueProblem::NotAString => lang.pick(
                        "значение file или file_base64 должно быть строкой",
                        "the value of file or file_base64 must be a string",
                    ),
                    FileValueProblem::BadBase64 => {
                        lang.pick("file_base64 — не base64", "file_base64 is not base64")
                    }
                    FileValueProblem::UnknownKey => lang.pick(
                        "допустимы только ключи file, file_base64 и name",
                        "only the keys file, file_base64 and name are allowed",
                    ),
                    FileValueProblem::Both => lang.pick(
                        "укажите file или file_base64, но не оба",
                        "give file or file_base64, not both",
                    ),
                };
                match lang {
                    Lang::Ru => format!(
                        "файл в параметре «{parameter}»: {what}. Ожидается {{\"file\": \"путь\"}} \
                         или {{\"file_base64\": \"…\", \"name\": \"имя\"}}"
                    ),
                    Lang::En => format!(
                        "the file in parameter '{parameter}': {what}. Expected {{\"file\": \
                         \"path\"}} or {{\"file_base64\": \"…\", \"name\": \"name\"}}"
                    ),
                }
            }
            (AttachMissing { name }, Lang::Ru) => format!(
                "attach://{name} ссылается на файл, которого нет в параметрах: добавьте параметр \
                 «{name}» со значением {{\"file\": \"путь\"}}"
            ),
            (AttachMissing { name }, Lang::En) => format!(
                "attach://{name} refers to a file the parameters do not have: add a parameter \
                 '{name}' whose value is {{\"file\": \"path\"}}"
            ),
            (NoFilePath, Lang::Ru) => "getFile не вернул file_path: файл недоступен для \
                 скачивания"
                .to_owned(),
            (NoFilePath, Lang::En) => {
                "getFile returned no file_path: the file cannot be downloaded".to_owned()
            }
            (DownloadStatus { status }, Lang::Ru) => format!(
                "адрес файла ответил HTTP {status}: ссылка getFile действует не меньше часа, \
                 скачайте файл заново"
            ),
            (DownloadStatus { status }, Lang::En) => format!(
                "the file's URL answered HTTP {status}: a getFile link lasts at least an hour, \
                 download again"
            ),
            (UpdatesLimit { value }, Lang::Ru) => {
                format!("limit = {value}: допустимо от 1 до 100")
            }
            (UpdatesLimit { value }, Lang::En) => {
                format!("limit = {value}: allowed 1 to 100")
            }
            (AllowedUpdatesEmpty, _) => lang
                .pick(
                    "allowed_updates содержит пустое имя: ожидается массив вроде [\"message\"]",
                    "allowed_updates has an empty name: expected an array like [\"message\"]",
                )
                .to_owned(),
            (
                PollingConflict {
                    webhook: true,
                    description,
                },
                Lang::Ru,
            ) => format!(
                "Telegram не отдаёт обновления опросом, пока установлен webhook ({description}). \
                 Удалите webhook{}, затем опрашивайте",
                mention(names, Term::DeleteWebhook, lang)
            ),
            (
                PollingConflict {
                    webhook: true,
                    description,
                },
                Lang::En,
            ) => format!(
                "Telegram does not give updates to polling while a webhook is set \
                 ({description}). Delete the webhook{}, then poll",
                mention(names, Term::DeleteWebhook, lang)
            ),
            (
                PollingConflict {
                    webhook: false,
                    description,
                },
                Lang::Ru,
            ) => format!(
                "этого бота уже опрашивает другая программа ({description}): одновременно \
                 обновления получает только один опрос. Остановите другой"
            ),
            (
                PollingConflict {
                    webhook: false,
                    description,
                },
                Lang::En,
            ) => format!(
                "another program already polls this bot ({description}): only one poll at a \
                 time gets updates. Stop the other one"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_name_their_size_and_clip_cuts_long_values() {
        let e = TransferError::TooLarge {
            size: Some(60 * 1024 * 1024),
            limit: Limit::CloudUpload,
        };
        assert!(e.message(Lang::En).contains("50 MB"), "{e}");
        assert!(e.message(Lang::Ru).contains("50 МБ"));
        assert_eq!(clip(&"я".repeat(100)).chars().count(), 65);
        assert_eq!(clip("short"), "short");
    }
}
