//! The limits policy: what one plugin's unit of work may use, the safe defaults, and the typed
//! errors that say which limit a plugin passed.
//!
//! | limit | enforced by | past it |
//! |---|---|---|
//! | linear memory | the store's [`UnitLimiter`] | the growth traps: the unit fails |
//! | CPU time per call (wall time of the call) | epoch deadline (`plugin.rs`) | the call traps: the unit fails |
//! | bars and bytes per reader call | [`UnitScope`](super::UnitScope), before fetching | `too-large` to the plugin |
//! | bars and bytes per unit of work | [`UnitScope`](super::UnitScope), before fetching | `too-large` to the plugin |
//! | output rows and bytes | `Plugin::run`, on the returned table | the unit fails |
//!
//! SQL run by host calls cannot be interrupted by an epoch; the PostgreSQL reader bounds it with
//! its own `statement_timeout` (`PgReaderConfig`).

use std::fmt;
use std::time::Duration;

use thiserror::Error;
use wasmtime::ResourceLimiter;

/// Bytes in a MiB: job files give sizes in MiB.
pub const MIB: usize = 1 << 20;

/// Bars one reader call may return: 8M bars are 384 MiB of columns, the most a call should move
/// across the boundary at once. Longer reads stream through a cursor.
pub const MAX_ROWS_PER_CALL: usize = 8_000_000;

/// Bytes of columns one reader call may return: 128 MiB is 2.8M whole bars (48 bytes each) or
/// 8M bars of a timestamp and a close. Ten years of 1-minute bars (5.3M, 241 MiB) need a cursor.
pub const DEFAULT_BYTES_PER_CALL: usize = 128 * MIB;

/// Bars one unit of work may read in all: 100M bars bound a runaway reader's load on the
/// database while leaving room for decades of minute bars.
pub const DEFAULT_ROWS_PER_UNIT: u64 = 100_000_000;

/// Bytes of columns one unit of work may read in all: 4 GiB.
pub const DEFAULT_BYTES_PER_UNIT: u64 = 4 << 30;

/// Rows a unit's output table may have: 50M, more than ten years of 1-minute bars ten times.
pub const DEFAULT_OUTPUT_ROWS: usize = 50_000_000;

/// Bytes a unit's output table may hold (8 per timestamp and per value): 1 GiB, which the host
/// holds until the Parquet file is written.
pub const DEFAULT_OUTPUT_BYTES: usize = 1 << 30;

/// A plugin's linear memory: 2 GiB.
pub const DEFAULT_MEMORY_BYTES: usize = 2 << 30;

/// Time per call into a plugin: 300 s.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(300);

/// Limits each store runs under. Every size says its unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeLimits {
    /// A plugin's linear memory, in bytes; a growth past it traps and fails the unit.
    pub memory_bytes: usize,
    /// Time one call into a plugin may take, host calls included: checked by epoch interruption,
    /// which stops the plugin's own code. A host call in progress (SQL) is not interrupted: the
    /// reader's statement timeout bounds it, and the plugin stops when it returns.
    pub call_timeout: Duration,
    /// Bars one reader call may return.
    pub rows_per_call: usize,
    /// Bytes of columns (8 per value, the timestamp included) one reader call may return.
    pub bytes_per_call: usize,
    /// Bars one unit of work may read in all.
    pub rows_per_unit: u64,
    /// Bytes of columns one unit of work may read in all.
    pub bytes_per_unit: u64,
    /// Rows the table a unit returns may have.
    pub output_rows: usize,
    /// Bytes the table a unit returns may hold: 8 per timestamp and per value.
    pub output_bytes: usize,
    /// Bars one cursor batch may hold: a cap on what plugins ask for.
    pub batch_rows: usize,
    /// Plugin instances alive at once (units in flight plus `describe` calls): the size of the
    /// instance pool. An engine setting: the same for every plugin of a runtime.
    pub max_instances: u32,
}

impl Default for RuntimeLimits {
    fn default() -> Self {
        RuntimeLimits {
            memory_bytes: DEFAULT_MEMORY_BYTES,
            call_timeout: DEFAULT_CALL_TIMEOUT,
            rows_per_call: MAX_ROWS_PER_CALL,
            bytes_per_call: DEFAULT_BYTES_PER_CALL,
            rows_per_unit: DEFAULT_ROWS_PER_UNIT,
            bytes_per_unit: DEFAULT_BYTES_PER_UNIT,
            output_rows: DEFAULT_OUTPUT_ROWS,
            output_bytes: DEFAULT_OUTPUT_BYTES,
            batch_rows: crate::reader::DEFAULT_BATCH_ROWS,
            max_instances: 16,
        }
    }
}

/// A limit a plugin passed, with its value: the cause of a failed unit.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LimitExceeded {
    #[error("memory limit {} exceeded", Bytes(*limit_bytes))]
    Memory { limit_bytes: usize },
    #[error("CPU time limit {} per call exceeded", Seconds(*limit))]
    CpuTime { limit: Duration },
    #[error("output limit {limit} rows exceeded (it returned {rows} rows)")]
    OutputRows { limit: usize, rows: usize },
    #[error("output limit {} exceeded (it returned {})", Bytes(*limit_bytes), Bytes(*bytes))]
    OutputBytes { limit_bytes: usize, bytes: usize },
}

impl RuntimeLimits {
    /// The output limit `table` passes, if any.
    pub(super) fn check_output(&self, rows: usize, bytes: usize) -> Result<(), LimitExceeded> {
        if rows > self.output_rows {
            return Err(LimitExceeded::OutputRows { limit: self.output_rows, rows });
        }
        if bytes > self.output_bytes {
            return Err(LimitExceeded::OutputBytes { limit_bytes: self.output_bytes, bytes });
        }
        Ok(())
    }
}

/// A size for people: whole MiB as `64 MiB`, other sizes of a MiB or more to a tenth, smaller
/// ones in bytes.
struct Bytes(usize);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            n if n >= MIB && n.is_multiple_of(MIB) => write!(f, "{} MiB", n / MIB),
            n if n >= MIB => write!(f, "{:.1} MiB", n as f64 / MIB as f64),
            n => write!(f, "{n} bytes"),
        }
    }
}

/// A duration for people: `2 s`, `1.5 s`.
struct Seconds(Duration);

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `f64`'s `Display` is the shortest exact form: `2`, `1.5`.
        write!(f, "{} s", self.0.as_secs_f64())
    }
}

/// The store's resource limiter: a memory growth past the limit traps with
/// [`LimitExceeded::Memory`], so the unit's error names the limit rather than an allocation
/// failure deep in the plugin's allocator.
#[derive(Debug)]
pub(super) struct UnitLimiter {
    pub(super) memory_bytes: usize,
}

/// Tables hold function references, a few per plugin; 100k elements is generous and bounded.
const MAX_TABLE_ELEMENTS: usize = 100_000;

impl ResourceLimiter for UnitLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_bytes {
            tracing::debug!(current, desired, limit = self.memory_bytes, "memory growth refused");
            return Err(LimitExceeded::Memory { limit_bytes: self.memory_bytes }.into());
        }
        Ok(true)
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        // Growth within the limit failed anyway (the instance pool's slot or the host is out of
        // room): still the plugin's memory use, still a failed unit, with the cause in the chain.
        Err(error.context(LimitExceeded::Memory { limit_bytes: self.memory_bytes }))
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_messages_name_the_limit_with_its_unit() {
        let memory = LimitExceeded::Memory { limit_bytes: 64 * MIB };
        assert_eq!(memory.to_string(), "memory limit 64 MiB exceeded");
        let cpu = LimitExceeded::CpuTime { limit: Duration::from_secs(2) };
        assert_eq!(cpu.to_string(), "CPU time limit 2 s per call exceeded");
        let cpu = LimitExceeded::CpuTime { limit: Duration::from_millis(1500) };
        assert_eq!(cpu.to_string(), "CPU time limit 1.5 s per call exceeded");
        let rows = LimitExceeded::OutputRows { limit: 10, rows: 11 };
        assert_eq!(rows.to_string(), "output limit 10 rows exceeded (it returned 11 rows)");
        let bytes = LimitExceeded::OutputBytes { limit_bytes: 4 * MIB, bytes: 12 * MIB + MIB / 2 };
        assert_eq!(bytes.to_string(), "output limit 4 MiB exceeded (it returned 12.5 MiB)");
        let small = LimitExceeded::OutputBytes { limit_bytes: 1000, bytes: 1008 };
        assert_eq!(small.to_string(), "output limit 1000 bytes exceeded (it returned 1008 bytes)");
    }

    #[test]
    fn output_past_either_limit_is_refused() {
        let limits = RuntimeLimits { output_rows: 10, output_bytes: 160, ..RuntimeLimits::default() };
        assert_eq!(limits.check_output(10, 160), Ok(()));
        assert_eq!(limits.check_output(11, 88), Err(LimitExceeded::OutputRows { limit: 10, rows: 11 }));
        assert_eq!(
            limits.check_output(10, 240),
            Err(LimitExceeded::OutputBytes { limit_bytes: 160, bytes: 240 })
        );
    }

    #[test]
    fn memory_growth_past_the_limit_is_a_named_error() {
        let mut limiter = UnitLimiter { memory_bytes: 64 * MIB };
        assert!(limiter.memory_growing(0, 64 * MIB, None).unwrap());
        let err = limiter.memory_growing(64 * MIB, 65 * MIB, None).unwrap_err();
        assert_eq!(
            err.downcast_ref::<LimitExceeded>(),
            Some(&LimitExceeded::Memory { limit_bytes: 64 * MIB })
        );
    }
}
