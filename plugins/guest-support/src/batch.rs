//! Streamed reads: how many bars to ask for at a time, checks on each batch the reader returns,
//! and joining a read's batches into whole columns.
//!
//! Plugins index every value column by the positions of the timestamp column, and they rely on
//! strictly ascending timestamps (a period or a bar closes when time moves past it, a look-back
//! counts bars). The reader promises both; [`BatchCheck`] turns a broken promise into an error that
//! says what was wrong, instead of a trap on an out-of-bounds index or a table that is silently
//! wrong. [`plugin_glue!`](crate::plugin_glue)'s `read_batches` runs every batch through it.

use std::fmt;

/// Bars per `next-batch` call, in every Rust plugin (the Python and JavaScript plugins and templates
/// ask for the same). It is the host's own default cap on a batch (`limits.batch_rows`, from
/// `candlewick::reader::DEFAULT_BATCH_ROWS`, which the data-layer benchmark's sweep of 1,024, 8,192,
/// 16,384 and 65,536 rows a batch chose: `cargo bench -p candlewick --bench data_layer`), so by
/// default a plugin gets all it asks for and asking for more would gain nothing. A batch holds at most
/// 16,384 × 48 bytes (a timestamp and five value columns) = 768 KiB, so a streaming plugin's memory
/// stays under a megabyte whatever the window's length, while a year of 1m bars (525,600) still
/// takes only 33 calls across the boundary. A job that sets a smaller `batch_rows` or
/// `rows_per_call` gets smaller batches: the host lowers the request, the plugin does not care.
pub const BATCH_ROWS: u32 = 16_384;

/// Checks consecutive batches of one streamed read.
#[derive(Debug, Default)]
pub struct BatchCheck {
    last_ts: Option<i64>,
}

impl BatchCheck {
    /// Checks that each of `columns` (name, length) has one value per timestamp in `ts`, and that
    /// `ts` ascends strictly, also across batches.
    pub fn check(&mut self, ts: &[i64], columns: &[(&'static str, usize)]) -> Result<(), BatchError> {
        if let Some(&(column, len)) = columns.iter().find(|(_, len)| *len != ts.len()) {
            return Err(BatchError::Length { column, len, bars: ts.len() });
        }
        for &t in ts {
            if let Some(previous) = self.last_ts
                && t <= previous
            {
                return Err(BatchError::NotAscending { previous, ts: t });
            }
            self.last_ts = Some(t);
        }
        Ok(())
    }
}

/// One column from its pieces, one a batch, in order: moved when there is one, else copied once
/// into a vector of the exact length. Growing one vector batch by batch would copy each value again
/// at every doubling and leave up to twice the memory reserved.
pub fn join<T: Copy>(mut pieces: Vec<Vec<T>>) -> Vec<T> {
    if pieces.len() == 1 {
        return pieces.pop().expect("one piece");
    }
    let mut joined = Vec::with_capacity(pieces.iter().map(Vec::len).sum());
    for piece in &pieces {
        joined.extend_from_slice(piece);
    }
    joined
}

/// A batch broke the reader's promises: a host bug, reported rather than trapped on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchError {
    /// A value column's length differs from the timestamp column's.
    Length { column: &'static str, len: usize, bars: usize },
    /// A timestamp is not after the one before it.
    NotAscending { previous: i64, ts: i64 },
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BatchError::Length { column, len, bars } => {
                write!(f, "reader returned {len} {column} values for {bars} bars (expected one per bar)")
            }
            BatchError::NotAscending { previous, ts } => write!(
                f,
                "reader returned a bar at {ts} µs after one at {previous} µs (expected strictly ascending timestamps)"
            ),
        }
    }
}

impl std::error::Error for BatchError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_accepts_ascending_batches_and_empty_ones() {
        let mut check = BatchCheck::default();
        assert_eq!(check.check(&[1, 2], &[("close", 2)]), Ok(()));
        assert_eq!(check.check(&[], &[("close", 0)]), Ok(()));
        assert_eq!(check.check(&[3], &[("close", 1), ("volume", 1)]), Ok(()));
    }

    #[test]
    fn check_rejects_a_column_of_another_length() {
        let mut check = BatchCheck::default();
        let err = check.check(&[1, 2], &[("close", 2), ("volume", 0)]).unwrap_err();
        assert_eq!(err, BatchError::Length { column: "volume", len: 0, bars: 2 });
        assert_eq!(err.to_string(), "reader returned 0 volume values for 2 bars (expected one per bar)");
    }

    #[test]
    fn check_rejects_repeated_timestamp_across_batches() {
        let mut check = BatchCheck::default();
        check.check(&[1, 5], &[]).unwrap();
        assert_eq!(check.check(&[5, 6], &[]), Err(BatchError::NotAscending { previous: 5, ts: 5 }));
    }

    #[test]
    fn check_rejects_descending_timestamps_within_a_batch() {
        let mut check = BatchCheck::default();
        assert_eq!(check.check(&[2, 1], &[]), Err(BatchError::NotAscending { previous: 2, ts: 1 }));
    }

    #[test]
    fn join_keeps_order_and_exact_length() {
        let joined = join(vec![vec![1, 2], vec![], vec![3]]);
        assert_eq!(joined, [1, 2, 3]);
        assert_eq!(joined.capacity(), 3);
    }

    #[test]
    fn join_of_one_piece_moves_it_and_of_none_is_empty() {
        let piece = Vec::with_capacity(10);
        let pointer = piece.as_ptr();
        let joined: Vec<f64> = join(vec![piece]);
        assert_eq!(joined.as_ptr(), pointer);
        assert!(join::<f64>(Vec::new()).is_empty());
    }
}
