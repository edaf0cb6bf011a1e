//! Panics inside the host process. Every entry catches them (`catch_unwind` in `object.rs`),
//! but std's default hook still prints `thread '<unnamed>' panicked at …` to the process's
//! stderr first, and in 1C that is the server's log, written behind the administrator's back.
//!
//! So the first object created replaces the hook with one that prints nothing and keeps the
//! panic's location for the thread that panicked; the entry that catches the panic puts it into
//! the `[INTERNAL_PANIC]` text, where it reaches the 1C code and the developer who reads the
//! report. The hook belongs to this library's own copy of std: the host and other libraries
//! keep theirs. The command-line tool never creates an object, so it keeps std's hook.

use std::cell::RefCell;

thread_local! {
    /// Where the last panic on this thread happened, `file:line:column`.
    static LAST_LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

pub fn install_quiet_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            remember(
                info.location()
                    .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column())),
            );
        }));
    });
}

fn remember(location: Option<String>) {
    // try_with: a panic while this thread's locals are being destroyed has nowhere to keep its
    // location, and must not panic again.
    let _ = LAST_LOCATION.try_with(|last| {
        if let Ok(mut last) = last.try_borrow_mut() {
            *last = location;
        }
    });
}

/// The text of a caught panic: its message and, when the hook saw it, where it happened.
pub fn describe(payload: &(dyn std::any::Any + Send)) -> String {
    let message = if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_owned()
    };
    let location = LAST_LOCATION
        .try_with(|last| last.try_borrow_mut().ok().and_then(|mut l| l.take()))
        .ok()
        .flatten();
    match location {
        Some(location) => format!("{message} (at {location})"),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The hook itself is not installed here: it would silence the test harness's own reports
    // for every other test in this process. tests/host.rs checks it through the C ABI.
    #[test]
    fn a_caught_panic_is_described_with_its_location_once() {
        remember(Some("src/addin/probes.rs:53:17".into()));
        assert_eq!(
            describe(&"on purpose"),
            "on purpose (at src/addin/probes.rs:53:17)"
        );
        assert_eq!(describe(&String::from("later")), "later");
        assert_eq!(describe(&7_u8), "unknown panic");
    }
}
