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
//! | reader calls per unit of work | [`CallCounter`](super::calls::CallCounter), before the call | the call traps: the unit fails |
//! | cursors open at once | [`CallCounter`](super::calls::CallCounter), at `open-range` | the call traps: the unit fails |
//! | output columns, bytes of a column name | `Plugin::run`, on the returned table, before any conversion | the unit fails |
//! | bytes handed to the host in one call | wasmtime's hostcall fuel (`plugin.rs`), set from the output limits | the call traps: the unit fails |
//!
//! SQL run by host calls cannot be interrupted by an epoch; the PostgreSQL reader bounds it with
//! its own `statement_timeout` (`PgReaderConfig`).
//!
//! wasmtime copies the table a plugin returns into host memory before the host sees it (and the
//! guest frees its copy right after), so the output limits are checked on that copy, first thing:
//! what a table past them costs is the copy, bounded by the transfer limit, never the conversion
//! to Arrow and Parquet.

use std::fmt;
use std::time::Duration;

use thiserror::Error;
use wasmtime::ResourceLimiter;

use crate::domain::Table;

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

/// Reader calls one unit of work may make: 10,000. Against PostgreSQL, 10,000 reads of a 526-bar
/// window in a loop took 4.7 s and 20,005 transactions, 100,000 took 39.5 s (release build, local
/// server; the loop of cheaper calls in issue 11 made 400,031 transactions in 13 s), all of it
/// bounded by nothing but the CPU limit. A cursor with the default batch (16,384 bars) reads the
/// unit's whole bar limit (100M) in 6,104 calls, ten years of minute bars in 322.
pub const DEFAULT_READER_CALLS_PER_UNIT: u64 = 10_000;

/// Cursors one unit of work may hold open at once: 1,000. A plugin needs one per series it
/// streams, so this is room for plugins that drop cursors late (a garbage collector's). Open
/// cursors are cheap (10,000 took 0.22 s and about 3 KB each), but every handle of a store counts
/// against wasmtime's limit of 100,000, where 100,000 open cursors failed in wasmtime's words
/// (`store handle limit exceeded`): this is 1% of it.
pub const DEFAULT_OPEN_CURSORS: usize = 1_000;

/// Bars of warm-up one input of a plan may declare: 100,000. Enough for any recursive indicator
/// to forget its seed to 1e-12 (an EMA of period n needs about 14·n bars, Wilder smoothing about
/// 28·n: RSI(14) 373 bars, EMA(200) 2,750), or for a year of 1-minute bars of FX; a plan that asks
/// more is refused before any unit runs, as a parameter that asks the impossible usually is.
pub const DEFAULT_WARM_UP_BARS: u32 = 100_000;

/// Columns a unit's output table may have: 10,000. Converting and writing a table costs more than
/// linearly in its columns: 125 rows of 10,000 columns took 0.22 s and 124 MB at peak, 20,000
/// 0.79 s, 40,000 2.6 s and 342 MB, 100,000 14.6 s and 776 MB (release build); 140,000 were past
/// wasmtime's own copy limit.
pub const DEFAULT_OUTPUT_COLUMNS: usize = 10_000;

/// Bytes of a name a plugin gives (a column's): 256, four times the longest PostgreSQL identifier
/// (63 bytes). A name is stored about three times per Parquet file (the schema, the column chunk,
/// the Arrow schema): a 16 MiB name made a 56 MB file of 10 rows in 0.6 s and 240 MB, a 256-byte
/// name a 2 KB file.
pub const DEFAULT_NAME_BYTES: usize = 256;

/// wasmtime's own bound on what a plugin hands the host in one call (its hostcall fuel): 128 MiB.
/// The transfer limit is never below it, so a table a little past small output limits is still
/// copied, measured, and refused with the limit it passed named.
const WASMTIME_HOSTCALL_FUEL: usize = 128 * MIB;

/// What wasmtime counts against the hostcall fuel for each column of a table besides its name
/// and values: the lifted struct.
const LIFTED_COLUMN_BYTES: usize = size_of::<super::bindings::v0_1::plugin::Column>();

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
    /// Columns the table a unit returns may have.
    pub output_columns: usize,
    /// Bytes of a name a plugin gives: a column's.
    pub name_bytes: usize,
    /// Reader calls one unit of work may make (a cursor's `next-batch` is one).
    pub reader_calls_per_unit: u64,
    /// Cursors one unit of work may hold open at once.
    pub open_cursors: usize,
    /// Bars one cursor batch may hold: a cap on what plugins ask for.
    pub batch_rows: usize,
    /// Bars of warm-up one input of a plan may declare.
    pub warm_up_bars: u32,
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
            output_columns: DEFAULT_OUTPUT_COLUMNS,
            name_bytes: DEFAULT_NAME_BYTES,
            reader_calls_per_unit: DEFAULT_READER_CALLS_PER_UNIT,
            open_cursors: DEFAULT_OPEN_CURSORS,
            batch_rows: crate::reader::DEFAULT_BATCH_ROWS,
            warm_up_bars: DEFAULT_WARM_UP_BARS,
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
    #[error("output limit {limit} columns exceeded (it returned {columns} columns)")]
    OutputColumns { limit: usize, columns: usize },
    /// `what` names the name: `column 3's name`.
    #[error("name limit {} exceeded ({what} is {})", Bytes(*limit_bytes), Bytes(*bytes))]
    Name { what: String, limit_bytes: usize, bytes: usize },
    #[error("reader call limit {limit} per unit of work exceeded")]
    ReaderCalls { limit: u64 },
    #[error("open cursor limit {limit} exceeded (drop cursors it has read)")]
    OpenCursors { limit: usize },
    /// wasmtime's hostcall fuel ran out: the plugin handed the host more in one call than the
    /// output limits allow a table.
    #[error("transfer limit {} per call exceeded (more than a table within the output limits)", Bytes(*limit_bytes))]
    Transfer { limit_bytes: usize },
}

impl RuntimeLimits {
    /// The output limit `table` passes, if any: rows, columns, bytes, then each column's name.
    /// Counts only, so it runs before anything converts the table.
    pub(super) fn check_output(&self, table: &Table) -> Result<(), LimitExceeded> {
        let rows = table.ts.len();
        if rows > self.output_rows {
            return Err(LimitExceeded::OutputRows { limit: self.output_rows, rows });
        }
        let columns = table.columns.len();
        if columns > self.output_columns {
            return Err(LimitExceeded::OutputColumns { limit: self.output_columns, columns });
        }
        let bytes = table_bytes(table);
        if bytes > self.output_bytes {
            return Err(LimitExceeded::OutputBytes { limit_bytes: self.output_bytes, bytes });
        }
        for (index, (name, _)) in table.columns.iter().enumerate() {
            self.check_name(name, || format!("column {index}'s name"))?;
        }
        Ok(())
    }

    /// `name` within the name limit; `what` says whose name it is (`column 3's name`), for the
    /// message. Every name a plugin gives goes through here.
    pub(super) fn check_name(&self, name: &str, what: impl FnOnce() -> String) -> Result<(), LimitExceeded> {
        if name.len() > self.name_bytes {
            return Err(LimitExceeded::Name {
                what: what(),
                limit_bytes: self.name_bytes,
                bytes: name.len(),
            });
        }
        Ok(())
    }

    /// Bytes a plugin may hand the host in one call, wasmtime's hostcall fuel: a table within
    /// every output limit — its bytes and, per column, the lifted column and a name — and never
    /// less than wasmtime's default. Past it wasmtime stops copying and the call traps
    /// ([`LimitExceeded::Transfer`]).
    pub(super) fn transfer_bytes(&self) -> usize {
        let per_column = LIFTED_COLUMN_BYTES.saturating_add(self.name_bytes);
        self.output_bytes
            .saturating_add(self.output_columns.saturating_mul(per_column))
            .max(WASMTIME_HOSTCALL_FUEL)
    }

    /// The limit behind an error a call returned, if it was one: ours, carried through wasmtime,
    /// or wasmtime's hostcall fuel, which is the transfer limit.
    pub(super) fn exceeded(&self, err: &wasmtime::Error) -> Option<LimitExceeded> {
        if let Some(limit) = err.downcast_ref::<LimitExceeded>() {
            return Some(limit.clone());
        }
        // wasmtime's error type for it is private: its words are the only mark.
        err.chain()
            .any(|e| e.to_string().ends_with("fuel allocated for hostcalls has been exhausted"))
            .then(|| LimitExceeded::Transfer { limit_bytes: self.transfer_bytes() })
    }
}

/// Bytes a returned table holds: 8 per timestamp and per value.
pub(super) fn table_bytes(table: &Table) -> usize {
    let values: usize = table.columns.iter().map(|(_, values)| values.len()).sum();
    8 * (table.ts.len() + values)
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

/// The store's resource limiter and the unit's memory account: the plugin's linear memories and
/// the columns the host holds for it (`columns`) share one limit. A memory growth past it traps
/// with [`LimitExceeded::Memory`], so the unit's error names the limit rather than an allocation
/// failure deep in the plugin's allocator.
#[derive(Debug)]
pub(super) struct UnitLimiter {
    pub(super) memory_bytes: usize,
    /// Bytes of the plugin's linear memories (a component may have several).
    linear: usize,
    /// Bytes of the columns the host holds for the unit.
    held: usize,
}

impl UnitLimiter {
    pub(super) fn new(memory_bytes: usize) -> UnitLimiter {
        UnitLimiter { memory_bytes, linear: 0, held: 0 }
    }

    /// Accounts `bytes` more of host-held columns, or refuses them when the unit's memory would
    /// pass its limit.
    pub(super) fn hold(&mut self, bytes: usize) -> Result<(), LimitExceeded> {
        let total = self.linear.saturating_add(self.held).saturating_add(bytes);
        if total > self.memory_bytes {
            tracing::debug!(
                held = self.held,
                linear = self.linear,
                bytes,
                limit = self.memory_bytes,
                "column refused"
            );
            return Err(LimitExceeded::Memory { limit_bytes: self.memory_bytes });
        }
        self.held += bytes;
        Ok(())
    }

    /// `bytes` of host-held columns freed.
    pub(super) fn release(&mut self, bytes: usize) {
        self.held = self.held.saturating_sub(bytes);
    }

    /// Bytes of host-held columns now.
    #[cfg(test)]
    fn held(&self) -> usize {
        self.held
    }
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
        let linear = self.linear.saturating_sub(current).saturating_add(desired);
        if linear.saturating_add(self.held) > self.memory_bytes {
            tracing::debug!(
                current,
                desired,
                held = self.held,
                limit = self.memory_bytes,
                "memory growth refused"
            );
            return Err(LimitExceeded::Memory { limit_bytes: self.memory_bytes }.into());
        }
        self.linear = linear;
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
    fn held_columns_and_linear_memory_share_the_memory_limit() {
        let mut limiter = UnitLimiter::new(64 * MIB);
        assert!(limiter.memory_growing(0, 40 * MIB, None).unwrap());
        limiter.hold(20 * MIB).unwrap();
        // 40 + 20 + 5 > 64: refused, nothing held.
        assert_eq!(limiter.hold(5 * MIB).unwrap_err(), LimitExceeded::Memory { limit_bytes: 64 * MIB });
        assert_eq!(limiter.held(), 20 * MIB);
        // Nor may the plugin's memory grow into the columns' room.
        assert!(limiter.memory_growing(40 * MIB, 50 * MIB, None).is_err());
        limiter.release(20 * MIB);
        assert!(limiter.memory_growing(40 * MIB, 50 * MIB, None).unwrap());
        limiter.hold(14 * MIB).unwrap();
        assert_eq!(limiter.held(), 14 * MIB);
    }

    #[test]
    fn the_linear_memories_of_a_component_add_up() {
        // A component of two core modules: each memory's growth is its own `current`.
        let mut limiter = UnitLimiter::new(64 * MIB);
        assert!(limiter.memory_growing(0, 30 * MIB, None).unwrap());
        assert!(limiter.memory_growing(0, 30 * MIB, None).unwrap());
        assert!(limiter.memory_growing(0, 8 * MIB, None).is_err());
    }

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

    /// A table of `rows` rows and one float column per name.
    fn table(rows: usize, names: &[&str]) -> Table {
        Table {
            ts: (0..rows as i64).collect(),
            columns: names
                .iter()
                .map(|name| (name.to_string(), crate::domain::ColumnValues::Float(vec![0.0; rows])))
                .collect(),
        }
    }

    #[test]
    fn output_past_any_limit_is_refused_naming_it() {
        let limits = RuntimeLimits {
            output_rows: 10,
            output_bytes: 160,
            output_columns: 3,
            name_bytes: 8,
            ..RuntimeLimits::default()
        };
        assert_eq!(limits.check_output(&table(10, &["a"])), Ok(()), "80 + 80 bytes");
        assert_eq!(
            limits.check_output(&table(11, &[])),
            Err(LimitExceeded::OutputRows { limit: 10, rows: 11 })
        );
        assert_eq!(
            limits.check_output(&table(1, &["a", "b", "c", "d"])),
            Err(LimitExceeded::OutputColumns { limit: 3, columns: 4 })
        );
        assert_eq!(
            limits.check_output(&table(10, &["a", "b"])),
            Err(LimitExceeded::OutputBytes { limit_bytes: 160, bytes: 240 })
        );
        let err = limits.check_output(&table(1, &["a", "ninebytes"])).unwrap_err();
        assert_eq!(err.to_string(), "name limit 8 bytes exceeded (column 1's name is 9 bytes)");
        assert_eq!(limits.check_output(&table(1, &["eightbyt"])), Ok(()));
    }

    #[test]
    fn counted_limits_name_the_limit_and_what_was_returned() {
        let columns = LimitExceeded::OutputColumns { limit: 10_000, columns: 140_000 };
        assert_eq!(columns.to_string(), "output limit 10000 columns exceeded (it returned 140000 columns)");
        let name = LimitExceeded::Name { what: "column 0's name".into(), limit_bytes: 256, bytes: 16 * MIB };
        assert_eq!(name.to_string(), "name limit 256 bytes exceeded (column 0's name is 16 MiB)");
        let calls = LimitExceeded::ReaderCalls { limit: 10_000 };
        assert_eq!(calls.to_string(), "reader call limit 10000 per unit of work exceeded");
        let transfer = LimitExceeded::Transfer { limit_bytes: 128 * MIB };
        assert!(transfer.to_string().starts_with("transfer limit 128 MiB per call exceeded"));
    }

    #[test]
    fn the_transfer_limit_holds_any_table_within_the_output_limits() {
        let defaults = RuntimeLimits::default();
        let most =
            defaults.output_bytes + defaults.output_columns * (LIFTED_COLUMN_BYTES + defaults.name_bytes);
        assert_eq!(defaults.transfer_bytes(), most);
        let transfer = LimitExceeded::Transfer { limit_bytes: most };
        assert!(
            transfer.to_string().starts_with("transfer limit 1027.0 MiB per call exceeded"),
            "{transfer}"
        );
        let small = RuntimeLimits { output_bytes: MIB, output_columns: 10, ..defaults };
        assert_eq!(small.transfer_bytes(), WASMTIME_HOSTCALL_FUEL, "never below wasmtime's own");
        let fuel = wasmtime::Error::msg(
            "too much data is being copied between the host and the guest: fuel allocated for hostcalls \
             has been exhausted",
        );
        assert_eq!(
            small.exceeded(&fuel.context("lifting the result")),
            Some(LimitExceeded::Transfer { limit_bytes: WASMTIME_HOSTCALL_FUEL })
        );
        let ours = wasmtime::Error::from(LimitExceeded::ReaderCalls { limit: 5 });
        assert_eq!(small.exceeded(&ours), Some(LimitExceeded::ReaderCalls { limit: 5 }));
        assert_eq!(small.exceeded(&wasmtime::Error::msg("boom")), None);
    }

    #[test]
    fn memory_growth_past_the_limit_is_a_named_error() {
        let mut limiter = UnitLimiter::new(64 * MIB);
        assert!(limiter.memory_growing(0, 64 * MIB, None).unwrap());
        let err = limiter.memory_growing(64 * MIB, 65 * MIB, None).unwrap_err();
        assert_eq!(
            err.downcast_ref::<LimitExceeded>(),
            Some(&LimitExceeded::Memory { limit_bytes: 64 * MIB })
        );
    }
}
