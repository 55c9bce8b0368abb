//! An expected-output file and its comparison with what a plugin returned.
//!
//! The file is CSV, as `candlewick test --csv` prints a table: a `ts` column (RFC 3339, UTC),
//! then output columns. It may name only some of the plugin's columns; those are compared and
//! the others are reported as not compared. Rows are matched by timestamp, so a missing or extra
//! row shows as such instead of shifting every row after it.

use std::cmp::Ordering;
use std::fmt;
use std::path::{Path, PathBuf};

use comfy_table::{CellAlignment, Table as TextTable, presets::UTF8_FULL_CONDENSED};
use thiserror::Error;

use crate::domain::{ColumnValues, Table, Timestamp};

/// Differences shown side by side; the count of all of them is given.
const SHOWN_ROWS: usize = 10;

/// How close a float must be: `|actual - expected| <= tolerance * max(1, |expected|)`, so the
/// tolerance is absolute near zero and relative for large values. NaN matches NaN. Integer
/// columns must match exactly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance(pub f64);

impl Default for Tolerance {
    fn default() -> Self {
        Tolerance(1e-9)
    }
}

impl Tolerance {
    pub fn accepts(self, actual: f64, expected: f64) -> bool {
        if actual.is_nan() || expected.is_nan() {
            return actual.is_nan() && expected.is_nan();
        }
        actual == expected || (actual - expected).abs() <= self.0 * expected.abs().max(1.0)
    }
}

#[derive(Debug, Error)]
pub enum ExpectedError {
    #[error("reading {}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}: line {line}: {message}", path.display())]
    Invalid { path: PathBuf, line: u64, message: String },
}

/// An expected output: timestamps and the text of each cell, with the file's line numbers.
#[derive(Debug, Clone)]
pub struct Expected {
    path: PathBuf,
    rows: Vec<ExpectedRow>,
    columns: Vec<String>,
}

#[derive(Debug, Clone)]
struct ExpectedRow {
    line: u64,
    ts: i64,
    cells: Vec<String>,
}

impl Expected {
    pub fn load(path: &Path) -> Result<Expected, ExpectedError> {
        let bytes = std::fs::read(path).map_err(|source| ExpectedError::Io { path: path.into(), source })?;
        Self::parse(path, &bytes)
    }

    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Expected, ExpectedError> {
        let invalid =
            |line: u64, message: String| ExpectedError::Invalid { path: path.into(), line, message };
        let mut csv = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(bytes);
        let header = csv.headers().map_err(|err| invalid(1, err.to_string()))?.clone();
        if header.get(0) != Some("ts") {
            return Err(invalid(
                1,
                format!("expected the first column to be `ts`, found {:?}", header.get(0).unwrap_or("")),
            ));
        }
        let columns: Vec<String> = header.iter().skip(1).map(str::to_owned).collect();
        if let Some(dup) = columns.iter().enumerate().find(|(i, c)| columns[..*i].contains(c)) {
            return Err(invalid(1, format!("column {:?} appears twice", dup.1)));
        }
        let mut rows: Vec<ExpectedRow> = Vec::new();
        for record in csv.records() {
            let record = record.map_err(|err| {
                invalid(
                    err.position().map_or(0, |p| p.line()),
                    format!("not a CSV record of the header's width: {err}"),
                )
            })?;
            let line = record.position().map_or(0, |p| p.line());
            let ts = Timestamp::parse(&record[0]).map_err(|err| invalid(line, format!("ts: {err}")))?;
            if let Some(previous) = rows.last()
                && previous.ts >= ts.as_micros()
            {
                return Err(invalid(
                    line,
                    format!("ts: {ts} is not after the row before it (expected ascending rows)"),
                ));
            }
            rows.push(ExpectedRow {
                line,
                ts: ts.as_micros(),
                cells: record.iter().skip(1).map(str::to_owned).collect(),
            });
        }
        Ok(Expected { path: path.into(), rows, columns })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Compares `actual` with this file. An expected column the output lacks, or a cell that is
    /// not a number, is an error; differences in values or rows are the comparison's result.
    pub fn compare(&self, actual: &Table, tolerance: Tolerance) -> Result<Comparison, ExpectedError> {
        let mut compared = Vec::with_capacity(self.columns.len());
        for name in &self.columns {
            let values = actual.columns.iter().find(|(n, _)| n == name).map(|(_, v)| v).ok_or_else(|| {
                let have: Vec<&str> = actual.columns.iter().map(|(n, _)| n.as_str()).collect();
                ExpectedError::Invalid {
                    path: self.path.clone(),
                    line: 1,
                    message: format!("column {name:?} is not in the output (it has {})", have.join(", ")),
                }
            })?;
            compared.push(values);
        }
        let not_compared =
            actual.columns.iter().map(|(n, _)| n.clone()).filter(|n| !self.columns.contains(n)).collect();
        let mut differences = Vec::new();
        let (mut e, mut a) = (0, 0);
        while e < self.rows.len() || a < actual.ts.len() {
            // Both sides are ascending: a merge by timestamp.
            let order = match (self.rows.get(e), actual.ts.get(a)) {
                (Some(row), Some(ts)) => row.ts.cmp(ts),
                (Some(_), None) => Ordering::Less,
                (None, _) => Ordering::Greater,
            };
            match order {
                Ordering::Equal => {
                    let row = &self.rows[e];
                    for (c, values) in compared.iter().enumerate() {
                        let text = &row.cells[c];
                        let (same, shown, difference) = match values {
                            ColumnValues::Float(v) => {
                                let want =
                                    parse_float(text).ok_or_else(|| self.not_a_number(row, c, text))?;
                                let got = v[a];
                                let difference = if (got - want).is_finite() {
                                    format!("{:.3e}", got - want)
                                } else {
                                    String::new()
                                };
                                (tolerance.accepts(got, want), got.to_string(), difference)
                            }
                            ColumnValues::Int(v) => {
                                let want: i64 = text.parse().map_err(|_| self.not_a_number(row, c, text))?;
                                (
                                    v[a] == want,
                                    v[a].to_string(),
                                    (i128::from(v[a]) - i128::from(want)).to_string(),
                                )
                            }
                        };
                        if !same {
                            differences.push(Difference {
                                line: Some(row.line),
                                ts: row.ts,
                                column: self.columns[c].clone(),
                                expected: text.clone(),
                                actual: shown,
                                difference,
                            });
                        }
                    }
                    e += 1;
                    a += 1;
                }
                Ordering::Less => {
                    let row = &self.rows[e];
                    differences.push(Difference::row(Some(row.line), row.ts, "(a row)", "(no row)"));
                    e += 1;
                }
                Ordering::Greater => {
                    differences.push(Difference::row(None, actual.ts[a], "(no row)", "(a row)"));
                    a += 1;
                }
            }
        }
        Ok(Comparison {
            path: self.path.clone(),
            tolerance,
            rows: actual.ts.len(),
            compared: self.columns.clone(),
            not_compared,
            differences,
        })
    }

    fn not_a_number(&self, row: &ExpectedRow, column: usize, text: &str) -> ExpectedError {
        ExpectedError::Invalid {
            path: self.path.clone(),
            line: row.line,
            message: format!("{}: expected a number (or NaN), got {text:?}", self.columns[column]),
        }
    }
}

/// A float cell: a number, `NaN` (any case) or empty for no value, `inf`/`-inf`.
fn parse_float(text: &str) -> Option<f64> {
    if text.is_empty() {
        return Some(f64::NAN);
    }
    text.parse().ok()
}

/// One cell (or one row) where the output and the file disagree.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// The expected file's line, when the row is in it.
    pub line: Option<u64>,
    pub ts: i64,
    /// The column, or `*` for a row only one side has.
    pub column: String,
    pub expected: String,
    pub actual: String,
    pub difference: String,
}

impl Difference {
    fn row(line: Option<u64>, ts: i64, expected: &str, actual: &str) -> Self {
        Difference {
            line,
            ts,
            column: "*".into(),
            expected: expected.into(),
            actual: actual.into(),
            difference: String::new(),
        }
    }
}

/// The result of a comparison: matched when there are no differences.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub path: PathBuf,
    pub tolerance: Tolerance,
    /// Rows in the output.
    pub rows: usize,
    pub compared: Vec<String>,
    pub not_compared: Vec<String>,
    pub differences: Vec<Difference>,
}

impl Comparison {
    pub fn matched(&self) -> bool {
        self.differences.is_empty()
    }
}

impl fmt::Display for Comparison {
    /// One line when it matched; otherwise what differs, then the first differing rows with the
    /// expected and actual values side by side.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let skipped = if self.not_compared.is_empty() {
            String::new()
        } else {
            format!("; not compared: {}", self.not_compared.join(", "))
        };
        if self.matched() {
            return write!(
                f,
                "output matches {}: {} rows, columns {} (tolerance {:e}){skipped}",
                self.path.display(),
                self.rows,
                self.compared.join(", "),
                self.tolerance.0
            );
        }
        let mut rows: Vec<i64> = self.differences.iter().map(|d| d.ts).collect();
        rows.dedup();
        writeln!(
            f,
            "output differs from {} (tolerance {:e}): {} difference(s) in {} row(s){skipped}",
            self.path.display(),
            self.tolerance.0,
            self.differences.len(),
            rows.len()
        )?;
        let shown: Vec<&Difference> = self
            .differences
            .iter()
            .take_while(|d| rows.iter().take(SHOWN_ROWS).any(|&ts| ts == d.ts))
            .collect();
        let mut table = TextTable::new();
        table.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
            "line",
            "ts",
            "column",
            "expected",
            "actual",
            "actual - expected",
        ]);
        for d in &shown {
            table.add_row(vec![
                d.line.map(|l| l.to_string()).unwrap_or_default(),
                Timestamp::from_micros(d.ts).to_string(),
                d.column.clone(),
                d.expected.clone(),
                d.actual.clone(),
                d.difference.clone(),
            ]);
        }
        for column in [0, 3, 4, 5] {
            if let Some(c) = table.column_mut(column) {
                c.set_cell_alignment(CellAlignment::Right);
            }
        }
        write!(f, "{table}")?;
        if rows.len() > SHOWN_ROWS {
            write!(f, "\n… and {} more row(s) differ", rows.len() - SHOWN_ROWS)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_514_764_800_000_000; // 2018-01-01T00:00:00Z
    const HOUR: i64 = 3_600_000_000;

    fn expected(text: &str) -> Expected {
        Expected::parse(Path::new("expected.csv"), text.as_bytes()).unwrap()
    }

    fn table(ts: &[i64], sma: &[f64], n: &[i64]) -> Table {
        Table {
            ts: ts.to_vec(),
            columns: vec![
                ("sma".into(), ColumnValues::Float(sma.to_vec())),
                ("n".into(), ColumnValues::Int(n.to_vec())),
            ],
        }
    }

    #[test]
    fn tolerance_is_absolute_near_zero_and_relative_above_one() {
        let t = Tolerance(1e-6);
        assert!(t.accepts(1e-7, 0.0));
        assert!(!t.accepts(1e-5, 0.0));
        assert!(t.accepts(1_000_000.5, 1_000_000.0));
        assert!(!t.accepts(1_000_002.0, 1_000_000.0));
        assert!(t.accepts(f64::NAN, f64::NAN));
        assert!(!t.accepts(f64::NAN, 0.0));
        assert!(!t.accepts(0.0, f64::NAN));
        assert!(t.accepts(f64::INFINITY, f64::INFINITY));
    }

    #[test]
    fn values_within_tolerance_match_and_extra_columns_are_listed() {
        let file = expected("ts,sma\n2018-01-01T00:00:00Z,NaN\n2018-01-01T01:00:00Z,1.5000000001\n");
        let comparison =
            file.compare(&table(&[T0, T0 + HOUR], &[f64::NAN, 1.5], &[1, 2]), Tolerance(1e-9)).unwrap();
        assert!(comparison.matched(), "{comparison}");
        assert_eq!(comparison.not_compared, ["n"]);
        assert!(comparison.to_string().starts_with("output matches expected.csv: 2 rows, columns sma"));
    }

    #[test]
    fn differing_values_are_shown_side_by_side_with_their_line() {
        let file = expected("ts,sma,n\n2018-01-01T00:00:00Z,1.0,1\n2018-01-01T01:00:00Z,2.0,2\n");
        let comparison =
            file.compare(&table(&[T0, T0 + HOUR], &[1.0, 2.5], &[1, 3]), Tolerance(1e-9)).unwrap();
        assert_eq!(
            comparison.differences,
            [
                Difference {
                    line: Some(3),
                    ts: T0 + HOUR,
                    column: "sma".into(),
                    expected: "2.0".into(),
                    actual: "2.5".into(),
                    difference: "5.000e-1".into(),
                },
                Difference {
                    line: Some(3),
                    ts: T0 + HOUR,
                    column: "n".into(),
                    expected: "2".into(),
                    actual: "3".into(),
                    difference: "1".into(),
                },
            ]
        );
        let text = comparison.to_string();
        assert!(
            text.starts_with(
                "output differs from expected.csv (tolerance 1e-9): 2 difference(s) in 1 row(s)"
            ),
            "{text}"
        );
        assert!(text.contains("2018-01-01T01:00:00Z"), "{text}");
    }

    #[test]
    fn missing_and_extra_rows_do_not_shift_the_rest() {
        let file =
            expected("ts,sma\n2018-01-01T00:00:00Z,1\n2018-01-01T01:00:00Z,2\n2018-01-01T03:00:00Z,4\n");
        let output = table(&[T0, T0 + 2 * HOUR, T0 + 3 * HOUR], &[1.0, 3.0, 4.0], &[0, 0, 0]);
        let comparison = file.compare(&output, Tolerance::default()).unwrap();
        let rows: Vec<(i64, &str, &str)> =
            comparison.differences.iter().map(|d| (d.ts, d.expected.as_str(), d.actual.as_str())).collect();
        assert_eq!(rows, [(T0 + HOUR, "(a row)", "(no row)"), (T0 + 2 * HOUR, "(no row)", "(a row)")]);
    }

    #[test]
    fn file_errors_name_the_line_and_the_column() {
        let err = Expected::parse(Path::new("e.csv"), b"time,sma\n").unwrap_err();
        assert_eq!(err.to_string(), "e.csv: line 1: expected the first column to be `ts`, found \"time\"");
        let err =
            Expected::parse(Path::new("e.csv"), b"ts,sma\n2018-01-01T01:00:00Z,1\n2018-01-01T00:00:00Z,1\n")
                .unwrap_err();
        assert!(err.to_string().starts_with("e.csv: line 3: ts: 2018-01-01T00:00:00Z is not after"), "{err}");
        let file = expected("ts,sma\n2018-01-01T00:00:00Z,abc\n");
        let err = file.compare(&table(&[T0], &[1.0], &[1]), Tolerance::default()).unwrap_err();
        assert_eq!(err.to_string(), "expected.csv: line 2: sma: expected a number (or NaN), got \"abc\"");
        let file = expected("ts,rsi\n");
        let err = file.compare(&table(&[], &[], &[]), Tolerance::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "expected.csv: line 1: column \"rsi\" is not in the output (it has sma, n)"
        );
    }
}
