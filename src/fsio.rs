//! The one way the add-in opens and reads a local file it was given by path: regular files
//! only, never blocking, never more than the caller allows.
//!
//! A path from 1C may name anything: `/dev/zero` or `/dev/urandom` (endless), a FIFO (an
//! `open` for reading blocks until a writer comes, forever), a directory, a socket, a 1 GB
//! sparse file. Each is refused at once with the reason, before a byte is read:
//! - the type is checked with `stat` before opening, so that no device is opened at all (some
//!   act on open);
//! - the file is opened with `O_NONBLOCK` (unix), so that a FIFO swapped in after the check
//!   cannot block the open, and the opened handle is checked again (`fstat`), so that the file
//!   read is the one checked;
//! - the size is checked against the caller's cap before reading, and the read itself stops
//!   one byte past the cap, in case the file grows meanwhile.

use std::fmt;
use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::i18n::{clip, Lang, Localized};

/// The longest path accepted, in bytes: longer is refused before any system call (Linux's
/// PATH_MAX is 4096; Windows' long paths reach 32767 UTF-16 units).
pub const MAX_PATH_BYTES: usize = 32 * 1024;

/// What a path names when it is not a regular file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotRegular {
    Directory,
    /// A named pipe: reading it would wait for a writer.
    Fifo,
    Socket,
    /// `/dev/zero`, `/dev/urandom`, a terminal: endless or interactive.
    CharacterDevice,
    BlockDevice,
    /// Anything else the system reports (a Windows reparse point it cannot follow, say).
    Other,
}

impl NotRegular {
    fn of(meta: &Metadata) -> Option<NotRegular> {
        let t = meta.file_type();
        if t.is_file() {
            return None;
        }
        if t.is_dir() {
            return Some(NotRegular::Directory);
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if t.is_fifo() {
                return Some(NotRegular::Fifo);
            }
            if t.is_socket() {
                return Some(NotRegular::Socket);
            }
            if t.is_char_device() {
                return Some(NotRegular::CharacterDevice);
            }
            if t.is_block_device() {
                return Some(NotRegular::BlockDevice);
            }
        }
        Some(NotRegular::Other)
    }

    fn name(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (NotRegular::Directory, Lang::Ru) => "это каталог",
            (NotRegular::Directory, Lang::En) => "it is a directory",
            (NotRegular::Fifo, Lang::Ru) => "это именованный канал (FIFO)",
            (NotRegular::Fifo, Lang::En) => "it is a named pipe (FIFO)",
            (NotRegular::Socket, Lang::Ru) => "это сокет",
            (NotRegular::Socket, Lang::En) => "it is a socket",
            (NotRegular::CharacterDevice, Lang::Ru) => "это символьное устройство",
            (NotRegular::CharacterDevice, Lang::En) => "it is a character device",
            (NotRegular::BlockDevice, Lang::Ru) => "это блочное устройство",
            (NotRegular::BlockDevice, Lang::En) => "it is a block device",
            (NotRegular::Other, Lang::Ru) => "это не обычный файл",
            (NotRegular::Other, Lang::En) => "it is not a regular file",
        }
    }
}

/// Why a file was not read. Paths are shown cut to 64 characters.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The path is longer than [`MAX_PATH_BYTES`]: refused before any system call.
    PathTooLong { length: usize, limit: usize },
    /// The path is empty or holds a NUL character.
    PathInvalid,
    /// The path names something other than a regular file.
    NotRegular { path: PathBuf, what: NotRegular },
    /// The file is larger than the caller allows.
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    /// The system refused: not found, no permission, an I/O error.
    Io { path: PathBuf, source: io::Error },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn shown(path: &Path) -> String {
    clip(&path.to_string_lossy())
}

/// A size in the unit that reads best: bytes, KB or MB.
fn size_text(bytes: u64) -> String {
    if bytes < 10 * 1024 {
        format!("{bytes} B")
    } else if bytes < 10 * 1024 * 1024 {
        format!("{} KB", bytes / 1024)
    } else {
        format!("{} MB", bytes / (1024 * 1024))
    }
}

impl Localized for Error {
    fn code(&self) -> &'static str {
        match self {
            Error::PathTooLong { .. } => "FILE_PATH_TOO_LONG",
            Error::PathInvalid => "FILE_PATH_INVALID",
            Error::NotRegular { .. } => "FILE_NOT_REGULAR",
            Error::TooLarge { .. } => "FILE_TOO_LARGE",
            Error::Io { source, .. } if source.kind() == io::ErrorKind::NotFound => {
                "FILE_NOT_FOUND"
            }
            Error::Io { .. } => "FILE_UNREADABLE",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (Error::PathTooLong { length, limit }, Lang::Ru) => {
                format!("путь к файлу слишком длинный: {length} байт, предел {limit}")
            }
            (Error::PathTooLong { length, limit }, Lang::En) => {
                format!("the file path is too long: {length} bytes, the limit is {limit}")
            }
            (Error::PathInvalid, Lang::Ru) => {
                "путь к файлу пуст или содержит символ с кодом 0".to_owned()
            }
            (Error::PathInvalid, Lang::En) => {
                "the file path is empty or holds a NUL character".to_owned()
            }
            (Error::NotRegular { path, what }, Lang::Ru) => format!(
                "«{}» не прочитан: {}; ожидается обычный файл",
                shown(path),
                what.name(lang)
            ),
            (Error::NotRegular { path, what }, Lang::En) => format!(
                "'{}' was not read: {}; a regular file is expected",
                shown(path),
                what.name(lang)
            ),
            (Error::TooLarge { path, size, limit }, Lang::Ru) => format!(
                "файл «{}» слишком велик: {}, предел {}",
                shown(path),
                size_text(*size),
                size_text(*limit)
            ),
            (Error::TooLarge { path, size, limit }, Lang::En) => format!(
                "the file '{}' is too large: {}, the limit is {}",
                shown(path),
                size_text(*size),
                size_text(*limit)
            ),
            (Error::Io { path, source }, Lang::Ru) => format!(
                "файл «{}» не прочитан: {}",
                shown(path),
                io_reason(source, lang)
            ),
            (Error::Io { path, source }, Lang::En) => format!(
                "the file '{}' was not read: {}",
                shown(path),
                io_reason(source, lang)
            ),
        }
    }
}

/// Why a file operation failed, in the caller's language: our words for the kinds a user can act
/// on, the system's code otherwise. The system's own text is English on Linux, so the Russian
/// never carries it; the English shows it for the kinds without words of ours. Every module that
/// reads or writes files says it this one way.
pub fn io_reason(err: &io::Error, lang: Lang) -> String {
    use io::ErrorKind as K;
    let words = match err.kind() {
        K::NotFound => Some(("не найден", "not found")),
        K::PermissionDenied => Some(("нет прав доступа", "permission denied")),
        K::AlreadyExists => Some(("уже существует", "already exists")),
        K::NotADirectory => Some((
            "часть пути — файл, а не каталог",
            "a part of the path is a file",
        )),
        K::IsADirectory => Some(("это каталог", "it is a directory")),
        K::ReadOnlyFilesystem => Some((
            "файловая система только для чтения",
            "read-only file system",
        )),
        K::StorageFull => Some(("нет места на диске", "no space left on the disk")),
        K::InvalidFilename => Some(("недопустимое имя", "invalid file name")),
        K::WouldBlock => Some(("файл занят или заблокирован", "the file is busy or locked")),
        K::UnexpectedEof => Some((
            "файл кончился раньше, чем ожидалось",
            "the file ended early",
        )),
        _ => None,
    };
    match (words, err.raw_os_error(), lang) {
        (Some((ru, _)), _, Lang::Ru) => ru.to_owned(),
        (Some((_, en)), _, Lang::En) => en.to_owned(),
        (None, Some(code), Lang::Ru) => format!("ошибка ввода-вывода, код системы {code}"),
        (None, None, Lang::Ru) => "ошибка ввода-вывода".to_owned(),
        (None, _, Lang::En) => format!("an I/O error: {err}"),
    }
}

/// An opened regular file and its length, for callers that stream it (uploads).
#[derive(Debug)]
pub struct Opened {
    pub file: File,
    pub length: u64,
}

/// Opens `path` for reading if it is a regular file no larger than `limit` bytes; never
/// blocks and never opens anything else.
pub fn open(path: &Path, limit: u64) -> Result<Opened, Error> {
    let length = path.as_os_str().len();
    if length > MAX_PATH_BYTES {
        return Err(Error::PathTooLong {
            length,
            limit: MAX_PATH_BYTES,
        });
    }
    if length == 0 || path.as_os_str().as_encoded_bytes().contains(&0) {
        return Err(Error::PathInvalid);
    }
    let io_error = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let check = |meta: &Metadata| -> Result<(), Error> {
        if let Some(what) = NotRegular::of(meta) {
            return Err(Error::NotRegular {
                path: path.to_path_buf(),
                what,
            });
        }
        if meta.len() > limit {
            return Err(Error::TooLarge {
                path: path.to_path_buf(),
                size: meta.len(),
                limit,
            });
        }
        Ok(())
    };
    // Before opening: a device is never opened, not even for a moment.
    check(&std::fs::metadata(path).map_err(io_error)?)?;
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // A FIFO put in the file's place after the check must not block the open; no
        // terminal becomes the process's controlling one.
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = options.open(path).map_err(io_error)?;
    // After opening: the handle is what was checked.
    let meta = file.metadata().map_err(io_error)?;
    check(&meta)?;
    Ok(Opened {
        file,
        length: meta.len(),
    })
}

/// Reads a whole regular file of at most `limit` bytes (see [`open`]).
pub fn read(path: &Path, limit: u64) -> Result<Vec<u8>, Error> {
    let Opened { file, length } = open(path, limit)?;
    let mut bytes = Vec::with_capacity(length as usize);
    // One byte more than allowed tells a file that grew after the check.
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
    if bytes.len() as u64 > limit {
        return Err(Error::TooLarge {
            path: path.to_path_buf(),
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KB: u64 = 1024;

    #[test]
    fn an_io_reason_is_our_words_and_the_russian_never_the_system_text() {
        use io::ErrorKind as K;
        for kind in [
            K::NotFound,
            K::PermissionDenied,
            K::StorageFull,
            K::WouldBlock,
        ] {
            let err = io::Error::from(kind);
            let ru = io_reason(&err, Lang::Ru);
            assert!(crate::i18n::latin_words(&ru).is_empty(), "{ru}");
            assert_ne!(ru, io_reason(&err, Lang::En));
        }
        // A kind without words of ours: the code in Russian, the system's text in English.
        let odd = io::Error::from_raw_os_error(71); // EPROTO on Linux
        assert_eq!(
            io_reason(&odd, Lang::Ru),
            "ошибка ввода-вывода, код системы 71"
        );
        assert!(io_reason(&odd, Lang::En).contains("os error 71"));
        let other = io::Error::other("boom");
        assert_eq!(io_reason(&other, Lang::Ru), "ошибка ввода-вывода");
    }

    #[test]
    fn a_small_regular_file_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.pem");
        std::fs::write(&p, b"hello").unwrap();
        assert_eq!(read(&p, 5).unwrap(), b"hello");
        let opened = open(&p, 5).unwrap();
        assert_eq!(opened.length, 5);
        assert!(matches!(
            read(&p, 4),
            Err(Error::TooLarge {
                size: 5,
                limit: 4,
                ..
            })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn devices_are_refused_without_reading() {
        for dev in ["/dev/zero", "/dev/urandom", "/dev/null"] {
            match read(Path::new(dev), 256 * KB) {
                Err(
                    e @ Error::NotRegular {
                        what: NotRegular::CharacterDevice,
                        ..
                    },
                ) => {
                    assert_eq!(e.code(), "FILE_NOT_REGULAR");
                    assert!(e.to_string().contains("character device"), "{e}");
                }
                other => panic!("{dev}: {other:?}"),
            }
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        // Without the check this blocks forever: no writer ever comes.
        assert!(matches!(
            read(&fifo, 256 * KB),
            Err(Error::NotRegular {
                what: NotRegular::Fifo,
                ..
            })
        ));
    }

    #[test]
    fn a_directory_and_a_huge_sparse_file_are_refused_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            read(dir.path(), 256 * KB),
            Err(Error::NotRegular {
                what: NotRegular::Directory,
                ..
            })
        ));
        let sparse = dir.path().join("sparse.pem");
        let f = File::create(&sparse).unwrap();
        f.set_len(1 << 30).unwrap();
        let e = read(&sparse, 256 * KB).unwrap_err();
        assert!(
            matches!(e, Error::TooLarge { size, .. } if size == 1 << 30),
            "{e:?}"
        );
        assert!(
            e.to_string().contains("1024 MB, the limit is 256 KB"),
            "{e}"
        );
    }

    #[test]
    fn absurd_and_missing_paths_are_refused_with_a_short_message() {
        let long = "a".repeat(50 * 1024 * 1024);
        let e = read(Path::new(&long), KB).unwrap_err();
        assert!(matches!(e, Error::PathTooLong { .. }), "{e:?}");
        assert!(e.to_string().len() < 200);
        let missing = format!("/nonexistent/{}", "b".repeat(1000));
        let e = read(Path::new(&missing), KB).unwrap_err();
        assert_eq!(e.code(), "FILE_NOT_FOUND");
        assert!(e.message(Lang::Ru).chars().count() < 200, "{e}");
        assert!(matches!(read(Path::new(""), KB), Err(Error::PathInvalid)));
    }
}
