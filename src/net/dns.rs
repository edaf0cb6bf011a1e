//! Name lookups that the caller can stop waiting for.
//!
//! The system resolver (getaddrinfo) is the right one for our users: it knows the hosts file,
//! the corporate DNS suffixes and whatever else the machine is set up with. But it cannot be
//! interrupted, and a broken DNS server makes it hang for the resolver's own timeout (5 s × 2
//! attempts × each name server on Linux by default) whatever our `Timeout` says. So each lookup
//! runs in a thread of its own ([`super::detached`]) and the caller stops waiting at its
//! deadline.
//!
//! Both the XMPP connection ([`super::tunnel`]) and the HTTP client ([`Resolver`], given to
//! reqwest in place of its resolver, which runs getaddrinfo on the runtime's blocking pool and
//! makes the client's drop wait for it) go through here.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use super::detached::{self, Abandoned};

/// Why a lookup gave no address.
#[derive(Debug)]
pub enum LookupError {
    /// The deadline passed first.
    Timeout,
    /// The owner cancelled the wait.
    Cancelled,
    /// The resolver said no (its words).
    Failed(String),
}

/// Looks `host:port` up, waiting until `deadline` or until `cancel` is set.
pub fn lookup(
    host: &str,
    port: u16,
    deadline: Instant,
    cancel: Option<&AtomicBool>,
) -> Result<Vec<SocketAddr>, LookupError> {
    match detached::run("messenger-dns", deadline, cancel, system_lookup(host, port)) {
        Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
        Ok(Ok(_)) => Err(LookupError::Failed("no addresses".into())),
        Ok(Err(e)) => Err(LookupError::Failed(e.to_string())),
        Err(Abandoned::Timeout) => Err(LookupError::Timeout),
        Err(Abandoned::Cancelled) => Err(LookupError::Cancelled),
    }
}

/// The system resolver's answer for `host:port`, as a job for [`detached`].
fn system_lookup(host: &str, port: u16) -> impl FnOnce() -> io::Result<Vec<SocketAddr>> + Send {
    let name = host.to_owned();
    move || (name.as_str(), port).to_socket_addrs().map(|a| a.collect())
}

/// reqwest's resolver replaced by ours: the request's own timeout then really bounds the
/// lookup, and dropping the client never waits for one.
pub struct Resolver;

impl reqwest::dns::Resolve for Resolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let (tx, rx) = tokio::sync::oneshot::channel();
        // The port is set by the connector afterwards.
        let work = system_lookup(name.as_str(), 0);
        let pending = detached::start("messenger-dns", work, move |r| {
            let _ = tx.send(r);
        });
        Box::pin(async move {
            // Held across the wait: a request dropped at its timeout drops it here.
            let _pending = pending;
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
        let addrs = lookup(
            "localhost",
            7,
            Instant::now() + Duration::from_secs(5),
            None,
        )
        .unwrap();
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
