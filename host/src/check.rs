//! The two research invariants, checked for any plugin by running it several times over the same
//! series (`candlewick check`):
//!
//! - **No look-ahead.** Cut the window's end (and so its as-of) at several bars — half-way, the
//!   last bar before the largest gap, the last bar but one — and run again: every row at or before
//!   the cut must be bit-identical to the full run's row. A row that changes when later bars
//!   disappear was computed from them.
//! - **Start-invariance.** Start the window at several bars — a quarter, half and three quarters
//!   of the way in, and the first bar after the largest gap — with the warm-up the plugin's plan
//!   declares, and run again: every row must equal the full-history run's (the window starting at
//!   the series' first bar) within [`RELATIVE_TOLERANCE`]. A row that changes with the start was
//!   seeded by where the window began (a recursive indicator with too short a warm-up).
//!
//! Both compare rows by timestamp and columns by name; a row present in one run and not the other
//! is a difference too. A sampler's rows may look forward by design (labels, bars stamped at their
//! open): `check` reports what it finds, and `--only` picks the invariant that applies.

use std::fmt;
use std::sync::Arc;

use crate::domain::{
    ColumnValues, Fields, ParamValue, Plan, PluginKind, Symbol, Table, TimeRange, Timeframe, Timestamp,
};
use crate::reader::{MarketDataReader, RangeRequest};
use crate::runtime::Plugin;
use crate::unit;

/// How close a start-invariant value must be to the full-history run's:
/// `|a − b| ≤ 1e-9 · max(|a|, |b|)`, with an absolute floor of [`ABSOLUTE_FLOOR`] for values
/// that cross zero (a MACD histogram), where no relative bound holds.
pub const RELATIVE_TOLERANCE: f64 = 1e-9;

/// The absolute difference below which two values agree whatever their size: 1e-12.
pub const ABSOLUTE_FLOOR: f64 = 1e-12;

/// Which invariant a run checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Invariant {
    /// Rows at or before a cut of the window's end are bit-identical to the full run's.
    LookAhead,
    /// Rows are the same whichever bar the window starts at, given the planned warm-up.
    StartInvariance,
}

impl fmt::Display for Invariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Invariant::LookAhead => "no look-ahead",
            Invariant::StartInvariance => "start-invariance",
        })
    }
}

/// One plugin over one series, run as a job would run it, with any window.
pub struct Subject<'a> {
    pub plugin: &'a Plugin,
    pub reader: Arc<dyn MarketDataReader>,
    pub symbol: Symbol,
    /// Every symbol of the job: a cross-section's, and an `every-symbol` input's.
    pub symbols: Vec<Symbol>,
    pub timeframe: Timeframe,
    pub params: Vec<(String, ParamValue)>,
    pub plan: Plan,
}

impl fmt::Debug for Subject<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subject")
            .field("plugin", &self.plugin.info().name)
            .field("symbol", &self.symbol)
            .field("timeframe", &self.timeframe)
            .field("plan", &self.plan)
            .finish_non_exhaustive()
    }
}

impl Subject<'_> {
    /// The plugin's rows for this subject's symbol over `window`, as-of its end.
    pub fn run(&self, window: TimeRange) -> Result<Table, String> {
        let reader = Arc::clone(&self.reader);
        if self.plugin.kind() == PluginKind::CrossSection {
            let unit = unit::cross_section_unit(
                &*reader,
                &self.symbols,
                self.timeframe,
                window,
                &self.plan,
                self.params.clone(),
            )
            .map_err(|err| err.to_string())?;
            let output = self.plugin.run_cross_section(reader, &unit).map_err(|err| err.to_string())?;
            return Ok(output
                .tables
                .into_iter()
                .find(|(symbol, _)| *symbol == self.symbol)
                .map(|(_, table)| table)
                .unwrap_or_default());
        }
        let unit = unit::unit_of_work(
            &*reader,
            &self.symbol,
            &self.symbols,
            self.timeframe,
            window,
            window.end(),
            &self.plan,
            self.params.clone(),
        )
        .map_err(|err| err.to_string())?;
        Ok(self.plugin.run(reader, &unit).map_err(|err| err.to_string())?.table)
    }

    /// The subject's bar times in `window`, ascending.
    fn bars(&self, window: TimeRange) -> Result<Vec<i64>, String> {
        let request = RangeRequest {
            symbol: self.symbol.clone(),
            timeframe: self.timeframe,
            range: window,
            fields: Fields::NONE,
        };
        Ok(self.reader.range(&request).map_err(|err| err.to_string())?.ts)
    }
}

/// The first difference between a run and the full run.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// The row's time.
    pub ts: Timestamp,
    /// The column, or `ts` for a row only one run has.
    pub column: String,
    /// The full run's value and this run's, as text (`missing` for an absent row).
    pub full: String,
    pub this: String,
    /// |full − this| where both are numbers.
    pub by: Option<f64>,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} first differs at {}: {} in the full run, {} here",
            self.column, self.ts, self.full, self.this
        )?;
        if let Some(by) = self.by {
            write!(f, " (by {by:e})")?;
        }
        Ok(())
    }
}

/// One run of a check: its window, and per column the first row that differs, if any.
#[derive(Debug, Clone)]
pub struct Trial {
    pub invariant: Invariant,
    /// What was varied, in words: `end cut at … (half-way)`.
    pub what: String,
    /// The first difference of each column that differs (at most one per column), or why the run
    /// itself failed.
    pub outcome: Result<Vec<Difference>, String>,
}

impl Trial {
    pub fn passed(&self) -> bool {
        matches!(&self.outcome, Ok(differences) if differences.is_empty())
    }
}

/// Runs `subject` over `window` in full, then each trial of `invariants`.
pub fn check(subject: &Subject, window: TimeRange, invariants: &[Invariant]) -> Result<Vec<Trial>, String> {
    let bars = subject.bars(window)?;
    if bars.len() < 4 {
        return Err(format!(
            "{} {} has {} bars in the window (expected at least 4 to cut and restart it)",
            subject.symbol,
            subject.timeframe,
            bars.len()
        ));
    }
    let at = |i: usize| Timestamp::from_micros(bars[i]);
    // The largest gap between two bars: the bar before it and the bar after it.
    let gap = (1..bars.len()).max_by_key(|&i| bars[i] - bars[i - 1]).expect("at least two bars");
    let mut trials = Vec::new();
    if invariants.contains(&Invariant::LookAhead) {
        let full = subject.run(window)?;
        let half = bars.len() / 2;
        let cuts = [
            (half, "half-way".to_owned()),
            (gap - 1, format!("the last bar before a gap of {}", hours(bars[gap] - bars[gap - 1]))),
            (bars.len() - 2, "the last bar but one".to_owned()),
        ];
        for (i, why) in dedup(cuts) {
            let cut = TimeRange::new(window.start(), at(i)).expect("a bar within the window");
            let outcome = subject.run(cut).map(|table| differences(&full, &table, cut, Tolerance::Exact));
            trials.push(Trial {
                invariant: Invariant::LookAhead,
                what: format!("end cut at {} ({why})", at(i)),
                outcome,
            });
        }
    }
    if invariants.contains(&Invariant::StartInvariance) {
        // The full history: from the series' first stored bar.
        let first = subject
            .reader
            .availability(
                &subject.symbol,
                subject.timeframe,
                TimeRange::new(Timestamp::MIN, window.end()).expect("MIN is first"),
            )
            .map_err(|err| err.to_string())?
            .earliest
            .unwrap_or(window.start());
        let history = TimeRange::new(first, window.end()).expect("the first bar is at or before the end");
        let full = subject.run(history)?;
        let n = bars.len();
        let starts = [
            (n / 4, "a quarter of the way in".to_owned()),
            (n / 2, "half-way".to_owned()),
            (3 * n / 4, "three quarters of the way in".to_owned()),
            (gap, format!("the first bar after a gap of {}", hours(bars[gap] - bars[gap - 1]))),
        ];
        for (i, why) in dedup(starts) {
            let late = TimeRange::new(at(i), window.end()).expect("a bar within the window");
            let outcome =
                subject.run(late).map(|table| differences(&full, &table, late, Tolerance::Relative));
            trials.push(Trial {
                invariant: Invariant::StartInvariance,
                what: format!("window started at {} ({why})", at(i)),
                outcome,
            });
        }
    }
    Ok(trials)
}

fn hours(micros: i64) -> String {
    format!("{:.1} h", micros as f64 / 3.6e9)
}

/// The points in order of first mention, each bar once.
fn dedup(points: impl IntoIterator<Item = (usize, String)>) -> Vec<(usize, String)> {
    let mut kept: Vec<(usize, String)> = Vec::new();
    for (i, why) in points {
        if !kept.iter().any(|(k, _)| *k == i) {
            kept.push((i, why));
        }
    }
    kept
}

#[derive(Debug, Clone, Copy)]
enum Tolerance {
    /// Bit for bit (NaN equal to NaN).
    Exact,
    /// Within [`RELATIVE_TOLERANCE`], [`ABSOLUTE_FLOOR`] at least.
    Relative,
}

impl Tolerance {
    fn agree(self, a: f64, b: f64) -> bool {
        if a.is_nan() || b.is_nan() {
            return a.is_nan() && b.is_nan();
        }
        match self {
            Tolerance::Exact => a.to_bits() == b.to_bits(),
            Tolerance::Relative => {
                a == b || (a - b).abs() <= (RELATIVE_TOLERANCE * a.abs().max(b.abs())).max(ABSOLUTE_FLOOR)
            }
        }
    }
}

/// The first difference per column between `full`'s rows within `span` and `this`'s.
fn differences(full: &Table, this: &Table, span: TimeRange, tolerance: Tolerance) -> Vec<Difference> {
    let in_span = |ts: &i64| *ts >= span.start().as_micros() && *ts <= span.end().as_micros();
    let full_rows: Vec<usize> = (0..full.ts.len()).filter(|&i| in_span(&full.ts[i])).collect();
    let this_rows: Vec<usize> = (0..this.ts.len()).filter(|&i| in_span(&this.ts[i])).collect();
    let mut found: Vec<Difference> = Vec::new();
    // Rows only one run has.
    let full_ts: Vec<i64> = full_rows.iter().map(|&i| full.ts[i]).collect();
    let this_ts: Vec<i64> = this_rows.iter().map(|&i| this.ts[i]).collect();
    if full_ts != this_ts {
        let (mut a, mut b) = (0, 0);
        while a < full_ts.len() && b < this_ts.len() && full_ts[a] == this_ts[b] {
            a += 1;
            b += 1;
        }
        let (ts, full, this) = match (full_ts.get(a), this_ts.get(b)) {
            (Some(&f), Some(&t)) if f < t => (f, "a row", "missing"),
            (Some(_), Some(&t)) => (t, "missing", "a row"),
            (Some(&f), None) => (f, "a row", "missing"),
            (None, Some(&t)) => (t, "missing", "a row"),
            (None, None) => unreachable!("the lists differ"),
        };
        found.push(Difference {
            ts: Timestamp::from_micros(ts),
            column: "ts".to_owned(),
            full: full.to_owned(),
            this: this.to_owned(),
            by: None,
        });
    }
    // Values of the rows both have, column by column.
    let mut j = 0;
    let pairs: Vec<(usize, usize)> = full_rows
        .iter()
        .filter_map(|&i| {
            while j < this_rows.len() && this.ts[this_rows[j]] < full.ts[i] {
                j += 1;
            }
            (j < this_rows.len() && this.ts[this_rows[j]] == full.ts[i]).then(|| (i, this_rows[j]))
        })
        .collect();
    for (name, full_values) in &full.columns {
        let Some((_, this_values)) = this.columns.iter().find(|(n, _)| n == name) else {
            found.push(Difference {
                ts: span.start(),
                column: name.clone(),
                full: "a column".to_owned(),
                this: "missing".to_owned(),
                by: None,
            });
            continue;
        };
        let first = pairs.iter().find_map(|&(i, k)| {
            let ts = Timestamp::from_micros(full.ts[i]);
            let (full, this, by) = match (full_values, this_values) {
                (ColumnValues::Float(f), ColumnValues::Float(t)) => {
                    if tolerance.agree(f[i], t[k]) {
                        return None;
                    }
                    (f[i].to_string(), t[k].to_string(), Some((f[i] - t[k]).abs()).filter(|d| d.is_finite()))
                }
                (ColumnValues::Int(f), ColumnValues::Int(t)) => {
                    if f[i] == t[k] {
                        return None;
                    }
                    (f[i].to_string(), t[k].to_string(), Some((f[i] as f64 - t[k] as f64).abs()))
                }
                _ => ("one type".to_owned(), "another".to_owned(), None),
            };
            Some(Difference { ts, column: name.clone(), full, this, by })
        });
        found.extend(first);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(ts: &[i64], values: &[f64]) -> Table {
        Table { ts: ts.to_vec(), columns: vec![("x".to_owned(), ColumnValues::Float(values.to_vec()))] }
    }

    fn span(a: i64, b: i64) -> TimeRange {
        TimeRange::new(Timestamp::from_micros(a), Timestamp::from_micros(b)).unwrap()
    }

    #[test]
    fn the_first_difference_of_each_column_within_the_span_is_reported() {
        let full = table(&[1, 2, 3, 4], &[1.0, 2.0, 3.0, 4.0]);
        let cut = table(&[1, 2, 3], &[1.0, 2.5, f64::NAN]);
        let found = differences(&full, &cut, span(1, 3), Tolerance::Exact);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            (found[0].ts.as_micros(), found[0].full.as_str(), found[0].this.as_str()),
            (2, "2", "2.5")
        );
        assert_eq!(found[0].by, Some(0.5));
        assert!(
            differences(&full, &table(&[1, 2, 3], &[1.0, 2.0, 3.0]), span(1, 3), Tolerance::Exact).is_empty()
        );
    }

    #[test]
    fn rows_one_run_lacks_are_differences() {
        let full = table(&[1, 2, 3], &[1.0, 2.0, 3.0]);
        let found = differences(&full, &table(&[1, 3], &[1.0, 3.0]), span(1, 3), Tolerance::Exact);
        assert_eq!(
            (found[0].column.as_str(), found[0].ts.as_micros(), found[0].this.as_str()),
            ("ts", 2, "missing")
        );
    }

    #[test]
    fn start_invariance_allows_a_relative_1e_9_and_nan_only_against_nan() {
        let t = Tolerance::Relative;
        assert!(t.agree(1000.0, 1000.0 + 0.9e-6));
        assert!(!t.agree(1000.0, 1000.0 + 1.1e-6));
        assert!(t.agree(0.0, 0.5e-12), "the absolute floor near zero");
        assert!(!t.agree(f64::NAN, 1.0) && t.agree(f64::NAN, f64::NAN));
        assert!(!Tolerance::Exact.agree(1.0, 1.0 + f64::EPSILON));
    }
}
