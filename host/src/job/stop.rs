//! Stopping a job: a signal heard by the command line (SIGINT, SIGTERM) is handed to the running
//! job through a [`StopSignal`]. At the first the job starts no more units and lets the running
//! ones finish within its grace period; at the second, or when the grace period is over, it gives
//! up on them, leaving no partial file. Either way it writes its manifest as incomplete and its
//! summary, and the command exits 128 + the signal's number.

use std::sync::Arc;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};

/// SIGINT's number (Ctrl-C).
pub const SIGINT: i32 = 2;
/// SIGTERM's number (`kill`, a Kubernetes pod being evicted).
pub const SIGTERM: i32 = 15;

/// Signals heard, shared between the handler and the job.
#[derive(Debug, Clone, Default)]
pub struct StopSignal {
    inner: Arc<Heard>,
}

#[derive(Debug, Default)]
struct Heard {
    /// The first signal's number; 0 before any.
    first: AtomicI32,
    count: AtomicUsize,
}

impl StopSignal {
    pub fn new() -> Self {
        StopSignal::default()
    }

    /// Records `signal` (its number).
    pub fn raise(&self, signal: i32) {
        let _ = self.inner.first.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst);
        self.inner.count.fetch_add(1, Ordering::SeqCst);
    }

    /// The first signal heard, if any.
    pub fn first(&self) -> Option<i32> {
        match self.inner.first.load(Ordering::SeqCst) {
            0 => None,
            signal => Some(signal),
        }
    }

    /// How many signals were heard.
    pub fn count(&self) -> usize {
        self.inner.count.load(Ordering::SeqCst)
    }
}

/// Why a job stopped before running every unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// A signal, by number.
    Signal(i32),
    /// `fail_fast`: a unit failed.
    FailFast,
}

impl StopReason {
    /// `SIGINT`, `SIGTERM`, `fail_fast`.
    pub fn name(self) -> String {
        match self {
            StopReason::Signal(SIGINT) => "SIGINT".into(),
            StopReason::Signal(SIGTERM) => "SIGTERM".into(),
            StopReason::Signal(n) => format!("signal {n}"),
            StopReason::FailFast => "fail_fast".into(),
        }
    }

    pub fn describe(self) -> String {
        match self {
            StopReason::Signal(_) => {
                format!("by {}; units not run are listed (--resume runs them)", self.name())
            }
            StopReason::FailFast => "at the first failed unit (fail_fast)".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_signal_is_kept_and_every_one_counted() {
        let stop = StopSignal::new();
        assert_eq!((stop.first(), stop.count()), (None, 0));
        let handler = stop.clone();
        handler.raise(SIGTERM);
        handler.raise(SIGINT);
        assert_eq!((stop.first(), stop.count()), (Some(SIGTERM), 2));
        assert_eq!(StopReason::Signal(SIGTERM).name(), "SIGTERM");
    }
}
