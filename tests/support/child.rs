//! Child processes of the tests (the command line, the slixmpp peer) with their output lines
//! followed as they come, each with the moment it was read; killed when the test lets go of
//! them, also when it panics.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The lines a child writes to one stream, each with the moment it was read.
#[derive(Default)]
pub struct Lines {
    state: Mutex<(Vec<(Instant, String)>, bool)>,
    cv: Condvar,
}

impl Lines {
    pub fn follow(stream: impl Read + Send + 'static) -> Arc<Lines> {
        let lines = Arc::new(Lines::default());
        let l = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines() {
                let Ok(line) = line else { break };
                let mut st = l.state.lock().unwrap();
                st.0.push((Instant::now(), line));
                l.cv.notify_all();
            }
            l.state.lock().unwrap().1 = true;
            l.cv.notify_all();
        });
        lines
    }

    /// The first line from index `from` on that satisfies `pred`: (index, when, line).
    pub fn wait(
        &self,
        from: usize,
        limit: Duration,
        pred: impl Fn(&str) -> bool,
    ) -> Option<(usize, Instant, String)> {
        let until = Instant::now() + limit;
        let mut st = self.state.lock().unwrap();
        let mut i = from;
        loop {
            while i < st.0.len() {
                if pred(&st.0[i].1) {
                    return Some((i, st.0[i].0, st.0[i].1.clone()));
                }
                i += 1;
            }
            let now = Instant::now();
            if st.1 || now >= until {
                return None;
            }
            st = self.cv.wait_timeout(st, until - now).unwrap().0;
        }
    }

    /// The first line from index `from` on that is JSON and satisfies `pred`: (index, value).
    pub fn wait_json(
        &self,
        from: usize,
        limit: Duration,
        pred: impl Fn(&Value) -> bool,
    ) -> Option<(usize, Value)> {
        self.wait(from, limit, |l| {
            serde_json::from_str::<Value>(l).is_ok_and(|v| pred(&v))
        })
        .and_then(|(i, _, l)| Some((i, serde_json::from_str(&l).ok()?)))
    }

    /// Waits until there are `n` lines (or the stream ended, or `limit`); returns the count.
    pub fn wait_count(&self, n: usize, limit: Duration) -> usize {
        let until = Instant::now() + limit;
        let mut st = self.state.lock().unwrap();
        while st.0.len() < n && !st.1 {
            let now = Instant::now();
            if now >= until {
                break;
            }
            st = self.cv.wait_timeout(st, until - now).unwrap().0;
        }
        st.0.len()
    }

    /// Waits for the end of the stream (the child closed it).
    pub fn wait_closed(&self, limit: Duration) -> bool {
        let until = Instant::now() + limit;
        let mut st = self.state.lock().unwrap();
        while !st.1 {
            let now = Instant::now();
            if now >= until {
                return false;
            }
            st = self.cv.wait_timeout(st, until - now).unwrap().0;
        }
        true
    }

    pub fn all(&self) -> Vec<(Instant, String)> {
        self.state.lock().unwrap().0.clone()
    }

    pub fn len(&self) -> usize {
        self.state.lock().unwrap().0.len()
    }
}

/// A child process that is killed when the test lets go of it (also when the test panics).
pub struct Proc {
    pub name: String,
    pub child: Child,
    pub started: Instant,
    pub out: Arc<Lines>,
    pub err: Arc<Lines>,
    /// The child's standard input when it is driven by commands ([`Proc::spawn_driven`]).
    stdin: Option<ChildStdin>,
}

impl Proc {
    /// Starts `cmd` with no standard input.
    pub fn spawn(name: &str, cmd: Command) -> Proc {
        Proc::start(name, cmd, false)
    }

    /// Starts `cmd` with a pipe to its standard input, for [`Proc::send`].
    pub fn spawn_driven(name: &str, cmd: Command) -> Proc {
        Proc::start(name, cmd, true)
    }

    fn start(name: &str, mut cmd: Command, driven: bool) -> Proc {
        cmd.stdin(if driven {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let started = Instant::now();
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("start {name}: {e}"));
        let out = Lines::follow(child.stdout.take().unwrap());
        let err = Lines::follow(child.stderr.take().unwrap());
        let stdin = child.stdin.take();
        Proc {
            name: name.to_owned(),
            child,
            started,
            out,
            err,
            stdin,
        }
    }

    /// Writes one JSON command line to a driven child.
    pub fn send(&mut self, command: Value) {
        let stdin = self
            .stdin
            .as_mut()
            .expect("a child started by spawn_driven");
        writeln!(stdin, "{command}").expect("write to the child");
        stdin.flush().expect("flush to the child");
    }

    /// Waits for the child to exit and for its output to be read; None when `limit` passed.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let until = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                self.out.wait_closed(Duration::from_secs(5));
                self.err.wait_closed(Duration::from_secs(5));
                return Some(status);
            }
            if Instant::now() >= until {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The JSON state lines on stderr ({"state": ...}).
    pub fn states(&self) -> Vec<(Instant, Value)> {
        self.err
            .all()
            .into_iter()
            .filter_map(|(t, l)| {
                let v: Value = serde_json::from_str(&l).ok()?;
                v.get("state")?;
                Some((t, v))
            })
            .collect()
    }

    /// The JSON message lines on stdout.
    pub fn messages(&self) -> Vec<(Instant, Value)> {
        self.out
            .all()
            .into_iter()
            .filter_map(|(t, l)| Some((t, serde_json::from_str(&l).ok()?)))
            .collect()
    }

    /// Both streams, for a failure message.
    pub fn dump(&self) -> String {
        let tail = |lines: Vec<(Instant, String)>| {
            let n = lines.len();
            lines
                .into_iter()
                .skip(n.saturating_sub(25))
                .map(|(_, l)| l)
                .collect::<Vec<_>>()
                .join("\n")
        };
        format!(
            "--- {} stdout ({} lines, tail) ---\n{}\n--- {} stderr (tail) ---\n{}",
            self.name,
            self.out.len(),
            tail(self.out.all()),
            self.name,
            tail(self.err.all())
        )
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
