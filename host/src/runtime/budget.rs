//! How much one unit of work may read: bars and bytes of columns per reader call (or cursor
//! batch) and in all, and what it has read so far. `scope.rs` asks it before each read.
//!
//! Bytes are what crosses the boundary: 8 per timestamp and per value asked for, so a bar of a
//! timestamp and a close is 16 bytes and a whole bar 48.

use crate::domain::{BarColumns, Fields, ReadError, TimeRange, Timeframe};

use super::limits::RuntimeLimits;

/// How much one unit of work may read, per call and in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadLimits {
    /// Bars one call (or one cursor batch) may return.
    pub rows_per_call: usize,
    /// Bytes of columns one call (or one cursor batch) may return.
    pub bytes_per_call: usize,
    /// Bars the unit may read in all.
    pub rows_per_unit: u64,
    /// Bytes of columns the unit may read in all.
    pub bytes_per_unit: u64,
    /// The most bars a cursor batch holds, whatever the plugin asks for.
    pub batch_rows: usize,
}

impl ReadLimits {
    /// Nothing may be read: what `describe` runs under.
    pub const NONE: ReadLimits = ReadLimits {
        rows_per_call: 0,
        bytes_per_call: 0,
        rows_per_unit: 0,
        bytes_per_unit: 0,
        batch_rows: 0,
    };
}

impl From<&RuntimeLimits> for ReadLimits {
    fn from(limits: &RuntimeLimits) -> Self {
        ReadLimits {
            rows_per_call: limits.rows_per_call,
            bytes_per_call: limits.bytes_per_call,
            rows_per_unit: limits.rows_per_unit,
            bytes_per_unit: limits.bytes_per_unit,
            batch_rows: limits.batch_rows,
        }
    }
}

/// Bytes one bar takes across the boundary with `fields`: 8 for the timestamp and 8 per value.
pub fn row_bytes(fields: Fields) -> usize {
    8 * (1 + fields.bits().count_ones() as usize)
}

/// Bytes `bars` take across the boundary.
fn columns_bytes(bars: &BarColumns) -> u64 {
    let values = bars.ts.len()
        + bars.open.len()
        + bars.high.len()
        + bars.low.len()
        + bars.close.len()
        + bars.volume.len();
    8 * values as u64
}

/// The most bars the next read may return, and the limit that sets it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Allowance {
    pub(super) rows: usize,
    what: &'static str,
    limit: u64,
}

impl Allowance {
    /// The `too-large` error naming the limit.
    pub(super) fn exceeded(self) -> ReadError {
        ReadError::TooLarge { what: self.what, limit: self.limit }
    }
}

/// A unit's read limits and what it has read against them.
#[derive(Debug, Clone)]
pub struct ReadBudget {
    limits: ReadLimits,
    rows_served: u64,
    bytes_served: u64,
}

impl ReadBudget {
    pub fn new(limits: ReadLimits) -> Self {
        ReadBudget { limits, rows_served: 0, bytes_served: 0 }
    }

    pub fn limits(&self) -> &ReadLimits {
        &self.limits
    }

    /// Bars served so far.
    pub fn rows_served(&self) -> u64 {
        self.rows_served
    }

    /// The most bars of `fields` the next read may return: the tightest of the per-call limits
    /// and what is left of the unit's.
    pub(super) fn allowance(&self, fields: Fields) -> Allowance {
        let row_bytes = row_bytes(fields) as u64;
        let limits = &self.limits;
        let rows_left = limits.rows_per_unit.saturating_sub(self.rows_served);
        let bytes_left = limits.bytes_per_unit.saturating_sub(self.bytes_served);
        let to_usize = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        [
            Allowance {
                rows: limits.rows_per_call,
                what: "bars per reader call",
                limit: limits.rows_per_call as u64,
            },
            Allowance {
                rows: to_usize(limits.bytes_per_call as u64 / row_bytes),
                what: "bytes per reader call",
                limit: limits.bytes_per_call as u64,
            },
            Allowance {
                rows: to_usize(rows_left),
                what: "bars per unit of work",
                limit: limits.rows_per_unit,
            },
            Allowance {
                rows: to_usize(bytes_left / row_bytes),
                what: "bytes per unit of work",
                limit: limits.bytes_per_unit,
            },
        ]
        .into_iter()
        .min_by_key(|allowance| allowance.rows)
        .expect("four candidates")
    }

    /// Counts bars on their way to the plugin.
    pub(super) fn charge(&mut self, bars: &BarColumns) {
        self.rows_served += bars.len() as u64;
        self.bytes_served += columns_bytes(bars);
    }

    /// The batch size of a cursor over `fields` when the plugin asks for `requested` bars: within
    /// the per-call limits and the job's largest batch. A bar larger than a call may hold is
    /// `too-large`; 0 stays 0, the cursor's own invalid argument.
    pub(super) fn batch_rows(&self, fields: Fields, requested: u32) -> Result<usize, ReadError> {
        let limits = &self.limits;
        let per_call = (limits.bytes_per_call / row_bytes(fields)).min(limits.rows_per_call);
        if per_call == 0 && requested > 0 {
            return Err(ReadError::TooLarge {
                what: "bytes per reader call",
                limit: limits.bytes_per_call as u64,
            });
        }
        Ok((requested as usize).min(per_call).min(limits.batch_rows))
    }
}

/// The most bars `range` can hold in `timeframe`, from the timeframe's shortest step; unbounded
/// for ticks. Only decides whether a read is counted before it is fetched.
pub(super) fn most_bars_in(range: TimeRange, timeframe: Timeframe) -> u64 {
    let step = match (timeframe, timeframe.step_micros()) {
        (_, Some(step)) => step,
        // The shortest month, February.
        (Timeframe::Month1, None) => 28 * Timeframe::Day1.step_micros().expect("days have a length"),
        (_, None) => return u64::MAX,
    };
    let span = range.end().as_micros().abs_diff(range.start().as_micros());
    span / step as u64 + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Timestamp;

    const H: i64 = 3_600_000_000;

    const LIMITS: ReadLimits = ReadLimits {
        rows_per_call: 1_000,
        bytes_per_call: 4_800,
        rows_per_unit: 250,
        bytes_per_unit: 1 << 30,
        batch_rows: 64,
    };

    fn window(a: i64, b: i64) -> TimeRange {
        TimeRange::new(Timestamp::from_micros(a), Timestamp::from_micros(b)).unwrap()
    }

    #[test]
    fn a_bar_is_8_bytes_per_column_asked_for() {
        assert_eq!(row_bytes(Fields::NONE), 8);
        assert_eq!(row_bytes(Fields::CLOSE), 16);
        assert_eq!(row_bytes(Fields::ALL), 48);
    }

    #[test]
    fn the_tightest_limit_sets_the_allowance() {
        let mut budget = ReadBudget::new(LIMITS);
        let allowed = budget.allowance(Fields::ALL);
        assert_eq!(allowed.rows, 100, "4,800 bytes of 48-byte bars");
        assert_eq!(allowed.exceeded().to_string(), "too large: more than 4800 bytes per reader call");
        let allowed = budget.allowance(Fields::CLOSE);
        assert_eq!(allowed.rows, 250, "300 bars of 16 bytes fit a call; the unit has 250");
        assert_eq!(allowed.exceeded().to_string(), "too large: more than 250 bars per unit of work");
        let bars = BarColumns { ts: vec![0; 200], close: vec![0.0; 200], ..BarColumns::default() };
        budget.charge(&bars);
        assert_eq!((budget.rows_served(), budget.bytes_served), (200, 3_200));
        assert_eq!(budget.allowance(Fields::CLOSE).rows, 50);
    }

    #[test]
    fn cursor_batches_fit_a_call() {
        let budget = ReadBudget::new(LIMITS);
        assert_eq!(budget.batch_rows(Fields::ALL, 1_000).unwrap(), 64, "the job's largest batch");
        assert_eq!(budget.batch_rows(Fields::ALL, 10).unwrap(), 10, "what the plugin asks, when less");
        let small = ReadBudget::new(ReadLimits { bytes_per_call: 480, ..LIMITS });
        assert_eq!(small.batch_rows(Fields::ALL, 1_000).unwrap(), 10, "480 bytes of 48-byte bars");
        assert_eq!(small.batch_rows(Fields::ALL, 0).unwrap(), 0);
        let tiny = ReadBudget::new(ReadLimits { bytes_per_call: 20, ..LIMITS });
        let err = tiny.batch_rows(Fields::ALL, 2).unwrap_err();
        assert_eq!(err.to_string(), "too large: more than 20 bytes per reader call");
    }

    #[test]
    fn a_long_span_is_counted_before_it_is_fetched() {
        assert_eq!(most_bars_in(window(0, 10 * H), Timeframe::Hour1), 11);
        assert_eq!(most_bars_in(window(0, 10 * H), Timeframe::Tick), u64::MAX);
        let ten_years = window(0, 3_652 * 24 * H);
        assert_eq!(most_bars_in(ten_years, Timeframe::Minute1), 3_652 * 1_440 + 1);
    }
}
