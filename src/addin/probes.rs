//! Diagnostic members for the test host, findable only when MESSENGER_TEST_PROBES=1 was set
//! when the object was created: they let the tests prove that a panic is caught at the
//! boundary, that every variant type survives the round trip, and that external events raised
//! from a background thread reach the platform and stop cleanly in Done.

use std::sync::Arc;
use std::thread::JoinHandle;

use super::args::Args;
use super::error::AddinError;
use super::members::{Method, MethodId, PROBES};
use super::value::Value;
use super::{EventSink, CLASS_NAME, PROBES_ENV};

/// Most events one probe call may raise.
const MAX_PROBE_EVENTS: i64 = 100_000;

#[derive(Default)]
pub struct Probes {
    enabled: bool,
    workers: Vec<JoinHandle<()>>,
}

impl Probes {
    pub fn from_env() -> Probes {
        Probes {
            enabled: std::env::var(PROBES_ENV).as_deref() == Ok("1"),
            workers: Vec::new(),
        }
    }

    #[cfg(test)]
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    pub fn method(&self, index: usize) -> Option<&'static Method> {
        PROBES.get(index).filter(|_| self.enabled)
    }

    pub fn find(&self, name: &str) -> Option<usize> {
        static FOLDED: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
        super::members::position(PROBES, &FOLDED, |m| m.name, name).filter(|_| self.enabled)
    }

    pub fn call(
        &mut self,
        args: &Args,
        events: Option<Arc<dyn EventSink>>,
    ) -> Result<Value, AddinError> {
        match args.method.id {
            MethodId::ProbePanic => {
                // Deliberate: the boundary must turn this into a 1C exception, host alive.
                panic!("probe: a panic on purpose");
            }
            MethodId::ProbeEcho => echo(args),
            MethodId::ProbeEvents => {
                let count = args.whole_number(0, 0, MAX_PROBE_EVENTS)?;
                let Some(sink) = events else {
                    return Ok(Value::Bool(false));
                };
                self.workers.push(std::thread::spawn(move || {
                    for n in 0..count {
                        sink.external_event(CLASS_NAME, "Probe", &format!("{{\"n\":{n}}}"));
                    }
                }));
                Ok(Value::Bool(true))
            }
            _ => Ok(Value::Empty),
        }
    }

    /// Waits for background work (Done, destruction).
    pub fn stop(&mut self) {
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

fn echo(args: &Args) -> Result<Value, AddinError> {
    // Reading through Args reports broken strings and foreign variant types as any member would.
    let value = args.raw(0);
    match value {
        Value::InvalidText { .. } | Value::TooLong { .. } => {
            args.string(0).map(|s| Value::Str(s.to_owned()))
        }
        Value::BlobNoMemory { bytes } => Err(AddinError::ArgumentNoMemory {
            method: args.method,
            index: 0,
            bytes: *bytes,
        }),
        Value::Unsupported(_) => Err(AddinError::ArgumentType {
            method: args.method,
            index: 0,
            expected: super::Kind::String,
            got: value.kind(),
        }),
        Value::Date(d) => Ok(Value::Str(format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            d.year, d.month, d.day, d.hour, d.minute, d.second
        ))),
        other => Ok(other.clone()),
    }
}
