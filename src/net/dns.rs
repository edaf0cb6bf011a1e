//! Name lookups that the caller can stop waiting for.
//!
//! The system resolver (getaddrinfo) is the right one for our users: it knows the hosts file,
//! the corporate DNS suffixes and whatever else the machine is set up with. But it cannot be
//! interrupted, and a broken DNS server makes it hang for the resolver's own timeout (5 s × 2
//! attempts × each name server on Linux by default) whatever our `Timeout` says. So each lookup
//! runs in a thread of its own; the caller waits for it until its deadline and then goes on
//! without it. The thread finishes on its own and owns nothing but the name and a channel.
//!
//! Both the XMPP connection ([`super::tunnel`]) and the HTTP client ([`Resolver`], given to
//! reqwest in place of its resolver, which runs getaddrinfo on the runtime's blocking pool and
//! makes the client's drop wait for it) go through here.
//!
//! A thread left running must keep its code mapped: the host may unload the library (1C's
//! object destroyed, `dlclose` / `FreeLibrary`) while the lookup still hangs, and the thread
//! would then return into unmapped memory and crash the whole process. So when a lookup is
//! abandoned, the library is pinned for the rest of the process's life
//! ([`crate::resident::keep_loaded`]).

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A lookup on its way; dropping it before it finished pins the library (see the module docs).
struct Pending {
    finished: Arc<AtomicBool>,
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.finished.load(Ordering::SeqCst) {
            crate::resident::keep_loaded();
        }
    }
}

/// Starts looking up `host:port`; `done` gets the result in the lookup's thread. Returns the
/// guard to keep while waiting, or the error when no thread could be started.
fn start(
    host: &str,
    port: u16,
    done: impl FnOnce(io::Result<Vec<SocketAddr>>) + Send + 'static,
) -> io::Result<Pending> {
    let finished = Arc::new(AtomicBool::new(false));
    let flag = finished.clone();
    let name = host.to_owned();
    std::thread::Builder::new()
        .name("messenger-dns".into())
        .spawn(move || {
            let result = (name.as_str(), port)
                .to_socket_addrs()
                .map(|a| a.collect::<Vec<_>>());
            flag.store(true, Ordering::SeqCst);
            done(result);
        })?;
    Ok(Pending { finished })
}

/// Why a blocking lookup gave no address.
#[derive(Debug)]
pub enum LookupError {
    /// The deadline passed first.
    Timeout,
    /// The resolver said no (its words).
    Failed(String),
}

/// Looks `host:port` up, waiting at most `left`.
pub fn lookup(
    host: &str,
    port: u16,
    left: std::time::Duration,
) -> Result<Vec<SocketAddr>, LookupError> {
    let (tx, rx) = std::sync::mpsc::channel();
    let pending = match start(host, port, move |r| {
        let _ = tx.send(r);
    }) {
        Ok(p) => p,
        // No thread to spare: look up here, unbounded, rather than not at all.
        Err(_) => {
            return checked((host, port).to_socket_addrs().map(|a| a.collect()));
        }
    };
    let result = match rx.recv_timeout(left) {
        Ok(r) => checked(r),
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(LookupError::Timeout),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            Err(LookupError::Failed("the resolver failed".into()))
        }
    };
    drop(pending);
    result
}

fn checked(r: io::Result<Vec<SocketAddr>>) -> Result<Vec<SocketAddr>, LookupError> {
    match r {
        Ok(addrs) if !addrs.is_empty() => Ok(addrs),
        Ok(_) => Err(LookupError::Failed("no addresses".into())),
        Err(e) => Err(LookupError::Failed(e.to_string())),
    }
}

/// reqwest's resolver replaced by ours: the request's own timeout then really bounds the
/// lookup, and dropping the client never waits for one.
pub struct Resolver;

impl reqwest::dns::Resolve for Resolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let (tx, rx) = tokio::sync::oneshot::channel();
        // The port is set by the connector afterwards.
        let pending = start(name.as_str(), 0, move |r| {
            let _ = tx.send(r);
        });
        Box::pin(async move {
            // Held across the wait: a request dropped at its timeout drops it here.
            let _pending = pending?;
            let addrs = rx
                .await
                .map_err(|_| io::Error::other("the resolver failed"))??;
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    // A lookup that hangs is tested with a resolver that never answers, in a host that unloads
    // the library afterwards (tests/host.rs): that needs a mount namespace, not a unit test.

    #[test]
    fn names_from_the_hosts_file_resolve() {
        let addrs = lookup("localhost", 7, Duration::from_secs(5)).unwrap();
        assert!(
            addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 7),
            "{addrs:?}"
        );
        assert!(!addrs.is_empty());
    }

    #[test]
    fn the_reqwest_resolver_answers_in_a_runtime() {
        use reqwest::dns::Resolve;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let name: reqwest::dns::Name = "localhost".parse().unwrap();
        let addrs: Vec<_> = runtime.block_on(Resolver.resolve(name)).unwrap().collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()), "{addrs:?}");
        assert!(!addrs.is_empty());
    }
}
