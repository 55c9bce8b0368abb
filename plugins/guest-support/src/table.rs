//! A plugin's output as plain values: a timestamp column and named value columns.
//!
//! The algorithms build it ([`Column::float`], [`Column::int`]) and tests inspect it
//! ([`Table::floats`], [`Table::ints`]) without the bindings; [`plugin_glue!`](crate::plugin_glue)'s
//! `table_to_wit` hands it to the host.

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

impl Column {
    /// A column of real numbers.
    pub fn float(name: &'static str, values: Vec<f64>) -> Column {
        Column { name, values: Values::Float(values) }
    }

    /// A column of whole numbers.
    pub fn int(name: &'static str, values: Vec<i64>) -> Column {
        Column { name, values: Values::Int(values) }
    }
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

    /// The values of the float column `name`. Asking for a column the plugin does not return, or
    /// for an int column, is a bug in the caller: it panics.
    pub fn floats(&self, name: &str) -> &[f64] {
        match &self.column(name).values {
            Values::Float(values) => values,
            Values::Int(_) => panic!("column {name:?} holds ints, not floats"),
        }
    }

    /// The values of the int column `name`; panics like [`Table::floats`].
    pub fn ints(&self, name: &str) -> &[i64] {
        match &self.column(name).values {
            Values::Int(values) => values,
            Values::Float(_) => panic!("column {name:?} holds floats, not ints"),
        }
    }

    fn column(&self, name: &str) -> &Column {
        let found = self.columns.iter().find(|column| column.name == name);
        found.unwrap_or_else(|| panic!("no column {name:?} (the table has {:?})", self.names()))
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
    fn floats_and_ints_find_columns_by_name() {
        let table =
            Table { ts: vec![1], columns: vec![Column::float("a", vec![0.5]), Column::int("b", vec![7])] };
        assert_eq!(table.floats("a"), [0.5]);
        assert_eq!(table.ints("b"), [7]);
    }

    #[test]
    #[should_panic(expected = "holds ints")]
    fn floats_of_an_int_column_panics() {
        Table { ts: vec![], columns: vec![Column::int("b", vec![])] }.floats("b");
    }

    #[test]
    fn is_well_formed_rejects_repeated_ts_short_column_and_duplicate_name() {
        assert!(!Table { ts: vec![1, 1], columns: vec![column("a", 2)] }.is_well_formed());
        assert!(!Table { ts: vec![1, 2], columns: vec![column("a", 1)] }.is_well_formed());
        assert!(!Table { ts: vec![1], columns: vec![column("a", 1), column("a", 1)] }.is_well_formed());
    }
}
