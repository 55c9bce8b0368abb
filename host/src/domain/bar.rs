//! Bars, one at a time and as columns.

use super::Timestamp;

/// One OHLCV bar. `ts` marks the bar's open.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    pub ts: Timestamp,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    /// Traded quantity; `BIGINT` in the table, 0 where the source has none (OTC FX).
    pub volume: i64,
}

/// Which value columns a read returns; the timestamp always comes. Reading fewer columns moves
/// fewer bytes out of the database and across the Wasm boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fields(u8);

impl Fields {
    pub const NONE: Fields = Fields(0);
    pub const OPEN: Fields = Fields(1);
    pub const HIGH: Fields = Fields(1 << 1);
    pub const LOW: Fields = Fields(1 << 2);
    pub const CLOSE: Fields = Fields(1 << 3);
    pub const VOLUME: Fields = Fields(1 << 4);
    pub const ALL: Fields = Fields(0b1_1111);

    pub const fn union(self, other: Fields) -> Fields {
        Fields(self.0 | other.0)
    }

    /// The fields of `self` that are not in `other`.
    pub const fn difference(self, other: Fields) -> Fields {
        Fields(self.0 & !other.0)
    }

    pub const fn contains(self, other: Fields) -> bool {
        self.0 & other.0 == other.0
    }

    /// A small dense index (0..32), for caches keyed by the column set.
    pub const fn bits(self) -> u8 {
        self.0
    }
}

impl std::ops::BitOr for Fields {
    type Output = Fields;

    fn bitor(self, rhs: Fields) -> Fields {
        self.union(rhs)
    }
}

/// Bars as columns, ascending by `ts`. Columns not asked for in [`Fields`] stay empty; `ts.len()`
/// is the row count.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BarColumns {
    /// Microseconds since the Unix epoch, UTC.
    pub ts: Vec<i64>,
    pub open: Vec<f64>,
    pub high: Vec<f64>,
    pub low: Vec<f64>,
    pub close: Vec<f64>,
    pub volume: Vec<i64>,
}

impl BarColumns {
    /// Empty columns with room for `rows` in each requested column.
    pub fn with_capacity(fields: Fields, rows: usize) -> Self {
        let cap = |field| if fields.contains(field) { rows } else { 0 };
        BarColumns {
            ts: Vec::with_capacity(rows),
            open: Vec::with_capacity(cap(Fields::OPEN)),
            high: Vec::with_capacity(cap(Fields::HIGH)),
            low: Vec::with_capacity(cap(Fields::LOW)),
            close: Vec::with_capacity(cap(Fields::CLOSE)),
            volume: Vec::with_capacity(cap(Fields::VOLUME)),
        }
    }

    pub fn len(&self) -> usize {
        self.ts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ts.is_empty()
    }

    /// Appends the requested columns of one bar.
    pub fn push(&mut self, fields: Fields, bar: &Bar) {
        self.ts.push(bar.ts.as_micros());
        if fields.contains(Fields::OPEN) {
            self.open.push(bar.open);
        }
        if fields.contains(Fields::HIGH) {
            self.high.push(bar.high);
        }
        if fields.contains(Fields::LOW) {
            self.low.push(bar.low);
        }
        if fields.contains(Fields::CLOSE) {
            self.close.push(bar.close);
        }
        if fields.contains(Fields::VOLUME) {
            self.volume.push(bar.volume);
        }
    }

    /// Appends every column of `other`, which must carry the same fields.
    pub fn append(&mut self, other: &mut BarColumns) {
        self.ts.append(&mut other.ts);
        self.open.append(&mut other.open);
        self.high.append(&mut other.high);
        self.low.append(&mut other.low);
        self.close.append(&mut other.close);
        self.volume.append(&mut other.volume);
    }

    /// Row `index` as a bar, when every field was read.
    pub fn bar(&self, index: usize) -> Option<Bar> {
        Some(Bar {
            ts: super::Timestamp::from_micros(*self.ts.get(index)?),
            open: *self.open.get(index)?,
            high: *self.high.get(index)?,
            low: *self.low.get(index)?,
            close: *self.close.get(index)?,
            volume: *self.volume.get(index)?,
        })
    }

    /// Heap bytes held by the columns, for limits and memory reports.
    pub fn heap_bytes(&self) -> usize {
        8 * (self.ts.capacity()
            + self.open.capacity()
            + self.high.capacity()
            + self.low.capacity()
            + self.close.capacity()
            + self.volume.capacity())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Timestamp;

    fn bar(ts: i64) -> Bar {
        Bar { ts: Timestamp::from_micros(ts), open: 1.0, high: 2.0, low: 0.5, close: 1.5, volume: 7 }
    }

    #[test]
    fn push_fills_only_the_requested_columns() {
        let fields = Fields::CLOSE | Fields::VOLUME;
        let mut columns = BarColumns::with_capacity(fields, 2);
        columns.push(fields, &bar(1));
        columns.push(fields, &bar(2));
        assert_eq!(columns.ts, [1, 2]);
        assert_eq!(columns.close, [1.5, 1.5]);
        assert_eq!(columns.volume, [7, 7]);
        assert!(columns.open.is_empty() && columns.high.is_empty() && columns.low.is_empty());
        assert_eq!(columns.bar(0), None, "a partial row is not a whole bar");
    }

    #[test]
    fn all_fields_round_trip_a_bar() {
        let mut columns = BarColumns::default();
        columns.push(Fields::ALL, &bar(5));
        assert_eq!(columns.bar(0), Some(bar(5)));
        assert!(Fields::ALL.contains(Fields::OPEN | Fields::VOLUME));
        assert!(!Fields::CLOSE.contains(Fields::OPEN));
    }
}
