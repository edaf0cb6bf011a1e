//! SIGPIPE and the host process. On Linux, writing to a connection the peer has closed raises
//! SIGPIPE, whose default action ends the whole process — 1C with every user session in it.
//! Rust programs ignore it at start-up; a library loaded into someone else's process cannot
//! count on that. Our own XMPP sockets are written with MSG_NOSIGNAL, but the HTTP stack
//! (reqwest, hyper, tokio) writes with `writev`, which has no such flag.
//!
//! So, when the first object is created and SIGPIPE still has its default action, the process
//! is made to ignore it: writes then fail with EPIPE, which every caller handles. A host that
//! installed its own handler, or already ignores it, is left alone.

#[cfg(unix)]
pub fn keep_from_killing_the_host() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: sigaction with a null new action only reads the current one into `old`, a
        // zeroed plain C struct; signal() installs SIG_IGN, a valid disposition for SIGPIPE.
        unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(libc::SIGPIPE, std::ptr::null(), &mut old) == 0
                && old.sa_sigaction == libc::SIG_DFL
            {
                libc::signal(libc::SIGPIPE, libc::SIG_IGN);
            }
        }
    });
}

/// Windows has no SIGPIPE: a write to a closed socket just fails.
#[cfg(not(unix))]
pub fn keep_from_killing_the_host() {}
