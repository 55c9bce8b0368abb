//! A sampler's output as plain values: a timestamp column and named value columns.
//!
//! Each plugin converts this to its generated WIT `table` in one place; the algorithms build it
//! and tests inspect it without the bindings.

/// One column's values.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// Real numbers.
    Float(Vec<f64>),
    /// Whole numbers (counts, volumes, labels, flags, timestamps).
    Int(Vec<i64>),
}

impl Values {
    /// The number of values.
    pub fn len(&self) -> usize {
        match self {
            Values::Float(values) => values.len(),
            Values::Int(values) => values.len(),
        }
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One named output column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Its name, unique in the table.
    pub name: &'static str,
    /// One value per row.
    pub values: Values,
}

/// Row times (µs since the Unix epoch, UTC) and named columns of the same length.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// Row times, strictly ascending.
    pub ts: Vec<i64>,
    /// The output columns.
    pub columns: Vec<Column>,
}

impl Table {
    /// The column names, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.columns.iter().map(|column| column.name).collect()
    }

    /// Whether the table keeps the WIT `table` promises: timestamps strictly ascending, every
    /// column one value per row, names unique.
    pub fn is_well_formed(&self) -> bool {
        let ascending = self.ts.windows(2).all(|pair| pair[0] < pair[1]);
        let lengths = self.columns.iter().all(|column| column.values.len() == self.ts.len());
        let names = self.names();
        let unique = names.iter().enumerate().all(|(i, name)| !names[..i].contains(name));
        ascending && lengths && unique
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &'static str, len: usize) -> Column {
        Column { name, values: Values::Int(vec![0; len]) }
    }

    #[test]
    fn is_well_formed_accepts_empty_table() {
        assert!(Table { ts: vec![], columns: vec![column("a", 0)] }.is_well_formed());
    }

    #[test]
    fn is_well_formed_rejects_repeated_ts_short_column_and_duplicate_name() {
        assert!(!Table { ts: vec![1, 1], columns: vec![column("a", 2)] }.is_well_formed());
        assert!(!Table { ts: vec![1, 2], columns: vec![column("a", 1)] }.is_well_formed());
        assert!(!Table { ts: vec![1], columns: vec![column("a", 1), column("a", 1)] }.is_well_formed());
    }
}

/// An output row's volume (a sum of source volumes) does not fit an `s64`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeOverflow {
    /// What the row is, for the message: "bar", "period".
    pub row: &'static str,
    /// The row's timestamp, µs.
    pub start: i64,
}

impl VolumeOverflow {
    /// `total + volume`, or the overflow of the `row` starting at `start`.
    pub fn add(row: &'static str, start: i64, total: i64, volume: i64) -> Result<i64, VolumeOverflow> {
        total.checked_add(volume).ok_or(VolumeOverflow { row, start })
    }
}

impl std::fmt::Display for VolumeOverflow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "volume of the {} starting at {} µs overflows s64", self.row, self.start)
    }
}

impl std::error::Error for VolumeOverflow {}
