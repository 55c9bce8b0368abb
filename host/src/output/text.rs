//! A plugin's table as CSV (the form `candlewick test --expect` reads back) or as a text table
//! for a terminal.

use std::io::Write;

use comfy_table::{CellAlignment, Table as TextTable, presets::UTF8_FULL_CONDENSED};

use crate::domain::{ColumnValues, Table, Timestamp};

/// `ts` as RFC 3339 UTC, then every column: floats in their shortest exact form (`NaN` for no
/// value), integers as integers.
pub fn write_csv(table: &Table, out: &mut dyn Write) -> std::io::Result<()> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(std::iter::once("ts").chain(table.columns.iter().map(|(name, _)| name.as_str())))?;
    for row in 0..table.ts.len() {
        csv.write_record(cells(table, row))?;
    }
    csv.flush()
}

/// At most `max_rows` rows (the first and last halves, with the number left out between them).
pub fn text_table(table: &Table, max_rows: usize) -> String {
    let mut text = TextTable::new();
    text.load_preset(UTF8_FULL_CONDENSED)
        .set_header(std::iter::once("ts").chain(table.columns.iter().map(|(name, _)| name.as_str())));
    let rows = table.ts.len();
    let (head, tail) = if rows <= max_rows { (rows, 0) } else { (max_rows.div_ceil(2), max_rows / 2) };
    for row in 0..head {
        text.add_row(cells(table, row));
    }
    if tail > 0 {
        let mut gap = vec![format!("… {} more rows", rows - head - tail)];
        gap.resize(table.columns.len() + 1, "…".to_owned());
        text.add_row(gap);
        for row in rows - tail..rows {
            text.add_row(cells(table, row));
        }
    }
    for column in 1..=table.columns.len() {
        if let Some(c) = text.column_mut(column) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    format!("{text}\n{rows} rows")
}

fn cells(table: &Table, row: usize) -> Vec<String> {
    std::iter::once(Timestamp::from_micros(table.ts[row]).to_string())
        .chain(table.columns.iter().map(|(_, values)| match values {
            ColumnValues::Float(v) => v[row].to_string(),
            ColumnValues::Int(v) => v[row].to_string(),
        }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture_host::{Expected, Tolerance};

    fn table() -> Table {
        Table {
            ts: vec![1_514_764_800_000_000, 1_514_768_400_000_000],
            columns: vec![
                ("sma".into(), ColumnValues::Float(vec![f64::NAN, 0.1 + 0.2])),
                ("n".into(), ColumnValues::Int(vec![-1, 7])),
            ],
        }
    }

    #[test]
    fn csv_is_exact_and_reads_back_as_an_expected_file() {
        let mut out = Vec::new();
        write_csv(&table(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "ts,sma,n\n2018-01-01T00:00:00Z,NaN,-1\n2018-01-01T01:00:00Z,0.30000000000000004,7\n"
        );
        let expected = Expected::parse(std::path::Path::new("out.csv"), text.as_bytes()).unwrap();
        assert!(expected.compare(&table(), Tolerance(0.0)).unwrap().matched());
    }

    #[test]
    fn long_tables_show_their_head_and_tail() {
        let n = 25;
        let long = Table {
            ts: (0..n).map(|i| 1_514_764_800_000_000 + i * 3_600_000_000).collect(),
            columns: vec![("i".into(), ColumnValues::Int((0..n).collect()))],
        };
        let text = text_table(&long, 4);
        assert!(text.contains("… 21 more rows"), "{text}");
        assert!(text.contains("2018-01-01T00:00:00Z") && text.contains("2018-01-02T00:00:00Z"), "{text}");
        assert!(!text.contains("2018-01-01T05:00:00Z"), "{text}");
        assert!(text.ends_with("25 rows"));
    }
}
