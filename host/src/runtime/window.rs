//! What a unit read of its window, so that a feature builder's rows can be checked against the
//! window's bars without reading the window again.
//!
//! Two things are recorded as bars reach the plugin: the timestamps inside the window, in order,
//! and the spans known to have been served whole (a `range` answer is its whole span; a cursor
//! has served everything from its start to its last bar). Only when those spans cover the whole
//! window, and every timestamp arrived in order, are the recorded timestamps exactly the window's
//! bars. Otherwise — a plugin that read part of its window, or read it out of order — the caller
//! asks the reader (one timestamps-only read).

use crate::domain::TimeRange;

/// The window's timestamps served to one unit, and how much of the window they are known to be.
#[derive(Debug, Clone)]
pub(super) struct WindowReads {
    window: TimeRange,
    /// Timestamps inside the window, ascending, each once.
    ts: Vec<i64>,
    /// Spans served whole, as inclusive `(start, end)` microseconds, merged and sorted.
    covered: Vec<(i64, i64)>,
    /// A timestamp inside the window arrived after a later one and was not already recorded.
    out_of_order: bool,
}

impl WindowReads {
    pub(super) fn new(window: TimeRange) -> Self {
        WindowReads { window, ts: Vec::new(), covered: Vec::new(), out_of_order: false }
    }

    /// Records the times `ts` of bars served, all of the stored bars of `whole` (the span this
    /// answer covers completely).
    pub(super) fn served(&mut self, whole: Option<TimeRange>, ts: &[i64]) {
        let (start, end) = (self.window.start().as_micros(), self.window.end().as_micros());
        self.ts.reserve(ts.len());
        for &ts in ts {
            if ts < start || ts > end {
                continue;
            }
            match self.ts.last() {
                Some(&last) if ts <= last => {
                    if self.ts.binary_search(&ts).is_err() {
                        self.out_of_order = true;
                    }
                }
                _ => self.ts.push(ts),
            }
        }
        if let Some(whole) = whole {
            self.cover(whole.start().as_micros(), whole.end().as_micros());
        }
    }

    fn cover(&mut self, start: i64, end: i64) {
        self.covered.push((start, end));
        self.covered.sort_unstable();
        let mut merged: Vec<(i64, i64)> = Vec::with_capacity(self.covered.len());
        for &(s, e) in &self.covered {
            match merged.last_mut() {
                Some(last) if s <= last.1.saturating_add(1) => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        self.covered = merged;
    }

    /// The window's bars' timestamps, when what was served proves them complete.
    pub(super) fn complete(&self) -> Option<&[i64]> {
        let (start, end) = (self.window.start().as_micros(), self.window.end().as_micros());
        let whole = self.covered.iter().any(|&(s, e)| s <= start && e >= end);
        (whole && !self.out_of_order).then_some(&self.ts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Timestamp;

    fn span(start: i64, end: i64) -> TimeRange {
        TimeRange::new(Timestamp::from_micros(start), Timestamp::from_micros(end)).unwrap()
    }

    #[test]
    fn one_read_of_the_whole_window_with_warm_up_is_complete() {
        let mut reads = WindowReads::new(span(10, 50));
        reads.served(Some(span(0, 60)), &[0, 5, 10, 20, 30, 40, 50, 60]);
        assert_eq!(reads.complete(), Some(&[10, 20, 30, 40, 50][..]));
    }

    #[test]
    fn cursor_batches_add_up_to_the_window() {
        let mut reads = WindowReads::new(span(10, 50));
        reads.served(Some(span(0, 20)), &[0, 10, 20]);
        assert_eq!(reads.complete(), None, "half of the window");
        reads.served(Some(span(21, 50)), &[30, 40, 50]);
        assert_eq!(reads.complete(), Some(&[10, 20, 30, 40, 50][..]));
    }

    #[test]
    fn a_partial_read_is_not_complete() {
        let mut reads = WindowReads::new(span(10, 50));
        reads.served(Some(span(10, 30)), &[10, 20, 30]);
        assert_eq!(reads.complete(), None);
        reads.served(None, &[40, 50]);
        assert_eq!(reads.complete(), None, "bars without a span served whole prove nothing");
    }

    #[test]
    fn reading_out_of_order_is_not_complete_but_reading_twice_is() {
        let mut reads = WindowReads::new(span(10, 50));
        reads.served(Some(span(30, 50)), &[30, 40, 50]);
        reads.served(Some(span(10, 29)), &[10, 20]);
        assert_eq!(reads.complete(), None, "10 and 20 came after 50");

        let mut reads = WindowReads::new(span(10, 50));
        reads.served(Some(span(10, 50)), &[10, 20, 30, 40, 50]);
        reads.served(Some(span(10, 50)), &[10, 20, 30, 40, 50]);
        assert_eq!(reads.complete(), Some(&[10, 20, 30, 40, 50][..]));
    }
}
