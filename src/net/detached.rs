//! Blocking system calls that nothing can interrupt — a name lookup (getaddrinfo), a TCP connect
//! to an address that never answers — run in a thread of their own, so that the caller can stop
//! waiting at its deadline or when its owner cancels, and go on without them. The thread
//! finishes by itself later; it owns nothing but its inputs and the channel it answers on.
//!
//! Such a thread must keep its code mapped: the host may unload the library (the 1C object
//! destroyed, then `dlclose` / `FreeLibrary`) while the call still hangs, and the thread would
//! then return into unmapped memory and crash the whole process. So when a call is abandoned,
//! the hook set with [`when_left_behind`] runs: the 1C layer pins the library there for the
//! rest of the process's life; a program that cannot be unloaded (the CLI) sets none.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How often a waiting caller looks at its cancel flag.
pub(crate) const CANCEL_CHECK: Duration = Duration::from_millis(50);

static LEFT_BEHIND: OnceLock<fn()> = OnceLock::new();

/// Sets what runs (at most once per process matters to the hook) when a thread is about to be
/// left behind in a call; the first setting wins.
pub fn when_left_behind(hook: fn()) {
    let _ = LEFT_BEHIND.set(hook);
}

/// A call on its way; dropping it before the call returned raises the left-behind hook.
pub(super) struct Pending {
    finished: Arc<AtomicBool>,
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.finished.load(Ordering::SeqCst) {
            if let Some(hook) = LEFT_BEHIND.get() {
                hook();
            }
        }
    }
}

/// Starts `work` in a thread named `name`; `done` gets its result in that thread. When no
/// thread can be started, `work` and `done` run here, before this returns.
pub(super) fn start<T: 'static>(
    name: &str,
    work: impl FnOnce() -> T + Send + 'static,
    done: impl FnOnce(T) + Send + 'static,
) -> Pending {
    let finished = Arc::new(AtomicBool::new(false));
    let flag = finished.clone();
    // Shared so that the caller can still run them if the thread cannot be made.
    let job = Arc::new(Mutex::new(Some((work, done))));
    let theirs = job.clone();
    let spawned = std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            let taken = theirs.lock().ok().and_then(|mut j| j.take());
            if let Some((work, done)) = taken {
                let result = work();
                flag.store(true, Ordering::SeqCst);
                done(result);
            }
        });
    if spawned.is_err() {
        let taken = job.lock().ok().and_then(|mut j| j.take());
        if let Some((work, done)) = taken {
            done(work());
        }
        finished.store(true, Ordering::SeqCst);
    }
    Pending { finished }
}

/// Why a call was left behind.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Abandoned {
    /// The deadline passed first.
    Timeout,
    /// The owner cancelled the wait.
    Cancelled,
}

/// Runs `work` (see [`start`]) and waits for it until `deadline`, or until `cancel` is set.
pub(crate) fn run<T: Send + 'static>(
    name: &str,
    deadline: Instant,
    cancel: Option<&AtomicBool>,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Abandoned> {
    let (tx, rx) = mpsc::channel();
    let pending = start(name, work, move |r| {
        let _ = tx.send(r);
    });
    let result = loop {
        if cancel.is_some_and(|c| c.load(Ordering::SeqCst)) {
            break Err(Abandoned::Cancelled);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break Err(Abandoned::Timeout);
        }
        let slice = match cancel {
            Some(_) => left.min(CANCEL_CHECK),
            None => left,
        };
        match rx.recv_timeout(slice) {
            Ok(r) => break Ok(r),
            Err(RecvTimeoutError::Timeout) => continue,
            // The thread died without answering (a panic in `work`): nothing will come.
            Err(RecvTimeoutError::Disconnected) => break Err(Abandoned::Timeout),
        }
    };
    drop(pending);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_that_answers_in_time_gives_its_result() {
        let r = run("t", Instant::now() + Duration::from_secs(5), None, || 42);
        assert_eq!(r, Ok(42));
    }

    #[test]
    fn a_hanging_call_is_left_at_the_deadline_or_on_cancel() {
        let (release, hang) = mpsc::channel::<()>();
        let hang = Arc::new(Mutex::new(hang));
        let work = |h: Arc<Mutex<mpsc::Receiver<()>>>| {
            move || {
                let _ = h.lock().map(|r| r.recv());
            }
        };
        let r = run(
            "t",
            Instant::now() + Duration::from_millis(100),
            None,
            work(hang.clone()),
        );
        assert_eq!(r, Err(Abandoned::Timeout));
        let cancel = Arc::new(AtomicBool::new(false));
        let c = cancel.clone();
        let setter = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            c.store(true, Ordering::SeqCst);
        });
        // A deadline far away: only the cancel can end this wait.
        let r = run(
            "t",
            Instant::now() + Duration::from_secs(3600),
            Some(&cancel),
            work(hang),
        );
        assert_eq!(r, Err(Abandoned::Cancelled));
        let _ = setter.join();
        drop(release);
    }
}
