//! Reads a unit's bars through the imported reader: one streamed read of close, high and low over
//! `[warm-up-from, window.end]`.

use crate::bindings::candlewick::market_data::plugin::{PluginError, UnitOfWork};
use crate::bindings::candlewick::market_data::reader::open_range;
use crate::bindings::candlewick::market_data::types::{BarColumns, Error as ReadError, Fields, TimeRange};
use crate::table::Bars;

/// Bars per cursor batch. 16,384 bars of a timestamp and three prices are 512 KiB per batch: small
/// beside the bars kept for the computation, and a year of minute bars (~525,600) is 33 host calls.
pub const BATCH_ROWS: u32 = 16_384;

/// The unit's bars, warm-up included, with just the columns the features use.
pub fn read_unit_bars(unit: &UnitOfWork) -> Result<Bars, PluginError> {
    let range = TimeRange { start: unit.warm_up_from, end: unit.window.end };
    let fields = Fields::CLOSE | Fields::HIGH | Fields::LOW;
    let cursor =
        open_range(&unit.symbol, unit.timeframe, range, fields, BATCH_ROWS).map_err(PluginError::Read)?;
    concat_batches(|| cursor.next_batch())
}

/// Concatenates the batches `next` yields until it says there are none. The batches are kept until
/// the last one, then copied once into columns of the exact length: growing the columns batch by
/// batch would copy each bar again at every doubling, and leave the unit's memory twice as large.
pub fn concat_batches(
    mut next: impl FnMut() -> Result<Option<BarColumns>, ReadError>,
) -> Result<Bars, PluginError> {
    let mut batches = Vec::new();
    while let Some(batch) = next().map_err(PluginError::Read)? {
        let n = batch.ts.len();
        if [batch.close.len(), batch.high.len(), batch.low.len()] != [n; 3] {
            // The host broke the contract (one value per bar in each asked-for column).
            return Err(PluginError::Failed(format!(
                "reader returned a batch of {n} timestamps with {} close, {} high and {} low values \
                 (expected {n} of each)",
                batch.close.len(),
                batch.high.len(),
                batch.low.len()
            )));
        }
        batches.push(batch);
    }
    if batches.len() == 1 {
        let batch = batches.pop().expect("one batch");
        return Ok(Bars { ts: batch.ts, close: batch.close, high: batch.high, low: batch.low });
    }
    let rows = batches.iter().map(|b| b.ts.len()).sum();
    let mut bars = Bars {
        ts: Vec::with_capacity(rows),
        close: Vec::with_capacity(rows),
        high: Vec::with_capacity(rows),
        low: Vec::with_capacity(rows),
    };
    for batch in batches {
        bars.ts.extend_from_slice(&batch.ts);
        bars.close.extend_from_slice(&batch.close);
        bars.high.extend_from_slice(&batch.high);
        bars.low.extend_from_slice(&batch.low);
    }
    Ok(bars)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(ts: &[i64]) -> BarColumns {
        let close: Vec<f64> = ts.iter().map(|&t| t as f64).collect();
        BarColumns {
            ts: ts.to_vec(),
            open: Vec::new(),
            high: close.iter().map(|c| c + 1.0).collect(),
            low: close.iter().map(|c| c - 1.0).collect(),
            close,
            volume: Vec::new(),
        }
    }

    fn batches(
        list: Vec<Result<Option<BarColumns>, ReadError>>,
    ) -> impl FnMut() -> Result<Option<BarColumns>, ReadError> {
        let mut list = list.into_iter();
        move || list.next().expect("read past the end of the cursor")
    }

    #[test]
    fn concat_batches_joins_in_order() {
        let bars =
            concat_batches(batches(vec![Ok(Some(batch(&[1, 2]))), Ok(Some(batch(&[3]))), Ok(None)])).unwrap();
        assert_eq!(bars.ts, [1, 2, 3]);
        assert_eq!(bars.close, [1.0, 2.0, 3.0]);
        assert_eq!(bars.high, [2.0, 3.0, 4.0]);
        assert_eq!(bars.low, [0.0, 1.0, 2.0]);
    }

    #[test]
    fn concat_batches_of_empty_cursor_is_no_bars() {
        assert_eq!(concat_batches(batches(vec![Ok(None)])).unwrap(), Bars::default());
    }

    #[test]
    fn concat_batches_passes_reader_error_on() {
        let got = concat_batches(batches(vec![Ok(Some(batch(&[1]))), Err(ReadError::Unavailable)]));
        assert!(matches!(got, Err(PluginError::Read(ReadError::Unavailable))), "{got:?}");
    }

    #[test]
    fn concat_batches_rejects_missing_column() {
        let mut short = batch(&[1, 2]);
        short.low.clear();
        let got = concat_batches(batches(vec![Ok(Some(short))]));
        let Err(PluginError::Failed(msg)) = got else { panic!("expected a failure, got {got:?}") };
        assert_eq!(
            msg,
            "reader returned a batch of 2 timestamps with 2 close, 2 high and 0 low values (expected 2 of each)"
        );
    }
}
