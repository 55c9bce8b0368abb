//! How often one unit of work calls the reader, and how many cursors it holds open: each call is
//! counted before it runs, so a plugin calling in a loop is stopped at its limit rather than by
//! the CPU limit after minutes of database work, and a plugin that never drops its cursors is
//! stopped before wasmtime's own handle limit.
//!
//! Past either limit the call traps with the [`LimitExceeded`] that names it, and the unit fails:
//! a plugin that asks again after a refusal would only loop.

use super::limits::{LimitExceeded, RuntimeLimits};

/// A unit's reader calls and open cursors, against their limits.
#[derive(Debug, Clone)]
pub(super) struct CallCounter {
    calls: u64,
    calls_limit: u64,
    open_cursors: usize,
    open_cursors_limit: usize,
}

impl CallCounter {
    pub(super) fn new(limits: &RuntimeLimits) -> Self {
        CallCounter {
            calls: 0,
            calls_limit: limits.reader_calls_per_unit,
            open_cursors: 0,
            open_cursors_limit: limits.open_cursors,
        }
    }

    /// Counts one reader call, refused past the limit.
    pub(super) fn call(&mut self) -> Result<(), LimitExceeded> {
        if self.calls >= self.calls_limit {
            return Err(LimitExceeded::ReaderCalls { limit: self.calls_limit });
        }
        self.calls += 1;
        Ok(())
    }

    /// Counts one `open-range` call and the cursor it would open, refused past either limit.
    pub(super) fn open_cursor(&mut self) -> Result<(), LimitExceeded> {
        self.call()?;
        if self.open_cursors >= self.open_cursors_limit {
            return Err(LimitExceeded::OpenCursors { limit: self.open_cursors_limit });
        }
        self.open_cursors += 1;
        Ok(())
    }

    /// A cursor was dropped, or its `open-range` was refused: it is not open.
    pub(super) fn close_cursor(&mut self) {
        self.open_cursors = self.open_cursors.saturating_sub(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counter(calls: u64, cursors: usize) -> CallCounter {
        CallCounter::new(&RuntimeLimits {
            reader_calls_per_unit: calls,
            open_cursors: cursors,
            ..RuntimeLimits::default()
        })
    }

    #[test]
    fn calls_past_the_limit_are_refused_naming_it() {
        let mut counter = counter(3, 10);
        for _ in 0..3 {
            counter.call().unwrap();
        }
        let err = counter.call().unwrap_err();
        assert_eq!(err, LimitExceeded::ReaderCalls { limit: 3 });
        assert_eq!(err.to_string(), "reader call limit 3 per unit of work exceeded");
        assert_eq!(counter.call(), Err(err), "and every call after it");
    }

    #[test]
    fn cursors_count_while_open_and_their_opening_is_a_call() {
        let mut counter = counter(100, 2);
        counter.open_cursor().unwrap();
        counter.open_cursor().unwrap();
        let err = counter.open_cursor().unwrap_err();
        assert_eq!(err.to_string(), "open cursor limit 2 exceeded (drop cursors it has read)");
        counter.close_cursor();
        counter.open_cursor().unwrap();
        let mut few_calls = self::counter(1, 10);
        few_calls.open_cursor().unwrap();
        assert_eq!(
            few_calls.open_cursor(),
            Err(LimitExceeded::ReaderCalls { limit: 1 }),
            "opening a cursor is a reader call"
        );
    }
}
