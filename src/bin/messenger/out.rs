//! Standard output and standard error without panics.
//!
//! Rust ignores SIGPIPE in every program it builds, so a write to a pipe whose reader has gone
//! (`messenger … | head -c0`) fails with `BrokenPipe`, and `println!` turns that failure into a
//! panic with "failed printing to stdout: Broken pipe". Every line we print goes through here
//! instead: a closed stdout ends the command quietly with [`CLOSED_EXIT`], any other write
//! error is reported; a write to stderr that fails is dropped (there is nowhere left to say it).

use std::fmt::Display;
use std::io::{self, Write};

use crate::Stop;

/// The exit status when stdout was closed by its reader: 128 + SIGPIPE (13), what a shell
/// reports for a program that a closed pipe ended, so `set -o pipefail` scripts see the same as
/// with any other Unix tool; the work itself was done. Windows has no SIGPIPE: the same number.
pub const CLOSED_EXIT: u8 = 141;

/// Writes one line to stdout and flushes it, so that a reader (`listen | consumer`) sees each
/// line at once and a closed pipe is noticed at once.
pub fn line(text: impl Display) -> Result<(), Stop> {
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "{text}")
        .and_then(|()| stdout.flush())
        .map_err(stdout_failed)
}

/// A failed write to stdout as the command ends: quietly when the reader has gone.
pub fn stdout_failed(e: io::Error) -> Stop {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Stop::Closed
    } else {
        Stop::Failed(format!(
            "{}: {e}",
            crate::lang().pick(
                "не удалось записать в стандартный вывод",
                "cannot write to standard output"
            )
        ))
    }
}

/// Writes one line to stderr; a failure is dropped.
pub fn warn(text: impl Display) {
    let _ = writeln!(io::stderr().lock(), "{text}");
}

/// A writer that remembers whether its reader went away, for output written by the library
/// (a download to stdout), whose error alone would not say it.
pub struct Watched<W> {
    inner: W,
    pub closed: bool,
}

impl<W: Write> Watched<W> {
    pub fn new(inner: W) -> Self {
        Watched {
            inner,
            closed: false,
        }
    }

    fn note<T>(&mut self, result: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &result {
            self.closed |= e.kind() == io::ErrorKind::BrokenPipe;
        }
        result
    }
}

impl<W: Write> Write for Watched<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let result = self.inner.write(buf);
        self.note(result)
    }

    fn flush(&mut self) -> io::Result<()> {
        let result = self.inner.flush();
        self.note(result)
    }
}
