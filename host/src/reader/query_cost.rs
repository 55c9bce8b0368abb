//! What reads cost the database, per unit of work: statements run, rows and bytes received, time
//! spent in database calls, retries; and, for `candlewick run --explain`, the plans of the
//! statements a unit ran.
//!
//! A job attaches a [`CostMeter`] to each thread that runs a unit's reads ([`CostMeter::measure`]);
//! the PostgreSQL adapter reports to whichever meter the calling thread has, through the free
//! functions here ([`statement`], [`received`], [`retry`]), which do nothing on a thread without
//! one. So the counting stays out of the adapter's paging and pooling, which call one function
//! each, and a reader shared by many units still charges each unit its own reads. A unit's reads
//! all run on its own thread (the plugin calls the reader synchronously), except a symbol's shared
//! read, which runs on a producer thread with a meter of its own (see the job's `execute.rs`).

use std::cell::RefCell;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The database cost of some reads. Zero for a source that is not a database.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct QueryCost {
    /// SQL statements executed (a page of a streamed read is one; preparing one is not counted,
    /// its round trip is in `server_seconds`).
    pub statements: u64,
    /// Rows received.
    pub rows: u64,
    /// Bytes of the rows received: the payload of the server's `DataRow` messages.
    pub bytes: u64,
    /// Wall time in database calls, from sending a statement to its last row received and
    /// decoded (a failed attempt and its retry included; the backoff between them is not).
    pub server_seconds: f64,
    /// Reads tried again after a transient failure.
    pub retries: u64,
}

impl QueryCost {
    /// The sum of two costs.
    pub fn plus(self, other: QueryCost) -> QueryCost {
        QueryCost {
            statements: self.statements + other.statements,
            rows: self.rows + other.rows,
            bytes: self.bytes + other.bytes,
            server_seconds: self.server_seconds + other.server_seconds,
            retries: self.retries + other.retries,
        }
    }

    /// `12 statements, 74439 rows, 3.6 MB received, 0.42 s in the database, 0 retries`.
    pub fn describe(&self) -> String {
        format!(
            "{} statements, {} rows, {} received, {:.2} s in the database, {} retries",
            self.statements,
            self.rows,
            human_bytes(self.bytes),
            self.server_seconds,
            self.retries
        )
    }
}

/// Bytes in B, kB, MB or GB (powers of 1000).
pub fn human_bytes(bytes: u64) -> String {
    let value = bytes as f64;
    match bytes {
        0..1_000 => format!("{bytes} B"),
        1_000..1_000_000 => format!("{:.1} kB", value / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", value / 1e6),
        _ => format!("{:.2} GB", value / 1e9),
    }
}

/// Where the reads of the threads it is attached to are counted. Clones share the count.
#[derive(Debug, Clone, Default)]
pub struct CostMeter(Arc<Mutex<QueryCost>>);

thread_local! {
    static METER: RefCell<Option<CostMeter>> = const { RefCell::new(None) };
    static EXPLAIN: RefCell<Option<Vec<Explained>>> = const { RefCell::new(None) };
}

impl CostMeter {
    pub fn new() -> CostMeter {
        CostMeter::default()
    }

    /// Runs `f` with this meter counting the current thread's reads (the meter before it, if
    /// any, is put back afterwards).
    pub fn measure<T>(&self, f: impl FnOnce() -> T) -> T {
        let before = METER.with(|m| m.replace(Some(self.clone())));
        let _restore = Restore(before);
        f()
    }

    /// What has been counted so far.
    pub fn total(&self) -> QueryCost {
        *self.0.lock().expect("no panic holding the meter")
    }

    fn add(&self, cost: QueryCost) {
        let mut total = self.0.lock().expect("no panic holding the meter");
        *total = total.plus(cost);
    }
}

/// Puts the thread's previous meter back, also when `f` panics.
struct Restore(Option<CostMeter>);

impl Drop for Restore {
    fn drop(&mut self) {
        let before = self.0.take();
        METER.with(|m| *m.borrow_mut() = before);
    }
}

fn charge(cost: QueryCost) {
    METER.with(|m| {
        if let Some(meter) = m.borrow().as_ref() {
            meter.add(cost);
        }
    });
}

/// Adapter hook: `statements` statements ran (or were tried) in `elapsed`.
pub fn statement(statements: u64, elapsed: Duration) {
    charge(QueryCost { statements, server_seconds: elapsed.as_secs_f64(), ..QueryCost::default() });
}

/// Adapter hook: `rows` rows of `bytes` bytes in all were received.
pub fn received(rows: u64, bytes: u64) {
    charge(QueryCost { rows, bytes, ..QueryCost::default() });
}

/// Adapter hook: a read is tried again.
pub fn retry() {
    charge(QueryCost { retries: 1, ..QueryCost::default() });
}

/// One statement a unit ran, with its plan as `EXPLAIN (ANALYZE, BUFFERS)` gave it.
#[derive(Debug, Clone, PartialEq)]
pub struct Explained {
    pub sql: String,
    /// Its parameters, as the adapter bound them (Debug form).
    pub params: String,
    /// The plan's lines, or why it could not be explained.
    pub plan: String,
}

/// Runs `f` with the adapter explaining every statement the current thread runs; returns what
/// `f` returned and the statements explained, in order.
pub fn explaining<T>(f: impl FnOnce() -> T) -> (T, Vec<Explained>) {
    let before = EXPLAIN.with(|e| e.replace(Some(Vec::new())));
    let value = f();
    let explained = EXPLAIN.with(|e| std::mem::replace(&mut *e.borrow_mut(), before)).unwrap_or_default();
    (value, explained)
}

/// Adapter hook: whether the current thread is explaining its statements.
pub fn explain_asked() -> bool {
    EXPLAIN.with(|e| e.borrow().is_some())
}

/// Adapter hook: records one explained statement.
pub fn explained(statement: Explained) {
    EXPLAIN.with(|e| {
        if let Some(list) = e.borrow_mut().as_mut() {
            list.push(statement);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_meter_counts_only_the_reads_of_threads_it_measures() {
        let meter = CostMeter::new();
        statement(1, Duration::from_millis(5)); // no meter: not counted
        meter.measure(|| {
            statement(1, Duration::from_millis(250));
            received(3, 120);
            retry();
            let other = CostMeter::new();
            other.measure(|| received(1, 10));
            assert_eq!(other.total().rows, 1);
            received(2, 80); // the outer meter again
        });
        std::thread::scope(|s| {
            s.spawn(|| received(100, 1000)); // another thread, no meter
        });
        let total = meter.total();
        assert_eq!(total, QueryCost { statements: 1, rows: 5, bytes: 200, server_seconds: 0.25, retries: 1 });
    }

    #[test]
    fn explaining_collects_only_while_asked() {
        assert!(!explain_asked());
        let ((), list) = explaining(|| {
            assert!(explain_asked());
            explained(Explained { sql: "SELECT 1".into(), params: "[]".into(), plan: "Result".into() });
        });
        assert_eq!(list.len(), 1);
        assert!(!explain_asked());
    }

    #[test]
    fn bytes_read_as_people_write_them() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(3_600_000), "3.6 MB");
    }
}
