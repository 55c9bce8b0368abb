//! `candlewick report OUTPUT`: one self-contained HTML page over a job's output — per symbol, the
//! bars as candlesticks with volume, the features drawn where [`layout`] puts them, the samplers'
//! events as markers, resampled bars on their own timestamps; and a summary of the run (manifest,
//! units, rows, time, what each unit cost the database, data availability with gaps).
//!
//! - `load.rs`: the output's manifest(s), datasets, Parquet files, and the bars from the job's source;
//! - `layout.rs`: which column goes where (the rule, documented there);
//! - `model.rs`: the charts' series, downsampled for drawing, raw values kept for the hover;
//! - `page.rs`: the HTML, with the vendored Lightweight Charts (`vendor/`) and `assets/` inlined.
//!
//! What is missing (no manifest, a listed file gone, a source that cannot be read) is listed at the
//! top of the page and in [`Report::problems`]; the rest is still drawn.

mod layout;
mod load;
mod model;
mod page;

use std::collections::BTreeMap;
use std::path::Path;

pub use layout::DatasetRole;
pub use page::LIGHTWEIGHT_CHARTS_VERSION;

use crate::domain::{BarColumns, Timeframe, Timestamp};
use layout::{Placement, feature_placements, role};
use load::Table;
use model::{Chart, ChartBuilder};

/// A report, ready to write.
#[derive(Debug)]
pub struct Report {
    pub html: String,
    /// What could not be shown, one line each.
    pub problems: Vec<String>,
    pub symbols: Vec<String>,
    pub charts: usize,
    /// Markers placed: one per row of the samplers' files.
    pub markers: usize,
}

/// One symbol's part of the page.
#[derive(Debug)]
pub struct SymbolReport {
    pub symbol: String,
    pub charts: Vec<Chart>,
    /// How each dataset was drawn, by name.
    pub roles: BTreeMap<String, DatasetRole>,
    pub availability: Option<AvailabilityView>,
}

/// The bars read for a symbol: what is stored, what was read, its gaps.
#[derive(Debug)]
pub struct AvailabilityView {
    pub stored: String,
    pub read: String,
    pub gaps: usize,
    pub longest: Vec<Gap>,
    /// Gaps as (x, width) on a 0..1000 strip of the span read.
    pub strip: Vec<(f64, f64)>,
}

#[derive(Debug)]
pub struct Gap {
    pub from: String,
    pub to: String,
    pub length: String,
}

/// Gaps listed by length in the summary; the rest are counted and drawn.
const GAPS_LISTED: usize = 5;

/// The report of the output in `dir`, for every symbol or only `symbol`. Errors: `dir` is not a
/// folder, or `symbol` is not one of the output's.
pub fn build(dir: &Path, symbol: Option<&str>) -> Result<Report, String> {
    build_shown(dir, &dir.display().to_string(), symbol)
}

/// [`build`], the page calling the output `shown` (the URL of an object store's output, whose
/// files were fetched into `dir`).
pub fn build_shown(dir: &Path, shown: &str, symbol: Option<&str>) -> Result<Report, String> {
    let mut output = load::output(dir)?;
    output.shown = shown.to_owned();
    let symbols: Vec<String> = match symbol {
        Some(s) if output.symbols.iter().any(|o| o == s) => vec![s.to_owned()],
        Some(s) => {
            return Err(format!(
                "symbol {s:?} is not in {shown} (its symbols: {})",
                if output.symbols.is_empty() { "none".to_owned() } else { output.symbols.join(", ") }
            ));
        }
        None => output.symbols.clone(),
    };
    let mut problems = output.problems.clone();
    let reader = if symbols.is_empty() { None } else { load::bar_source(&output, &mut problems) };
    let mut reports = Vec::with_capacity(symbols.len());
    for symbol in &symbols {
        reports.push(symbol_report(&output, reader.as_deref(), symbol, &mut problems));
    }
    let html = page::render(&output, &reports, &problems);
    Ok(Report {
        html,
        problems,
        charts: reports.iter().map(|r| r.charts.len()).sum(),
        markers: reports.iter().flat_map(|r| &r.charts).map(|c| c.markers.len()).sum(),
        symbols,
    })
}

fn symbol_report(
    output: &load::Output,
    reader: Option<&dyn crate::reader::MarketDataReader>,
    symbol: &str,
    problems: &mut Vec<String>,
) -> SymbolReport {
    // Each dataset's table of this symbol.
    let mut tables: Vec<(&load::DatasetFiles, Table, DatasetRole)> = Vec::new();
    for dataset in &output.datasets {
        let Some(file) = dataset.files.get(symbol) else { continue };
        let path = output.dir.join(file);
        if !path.is_file() {
            continue; // listed among the problems already
        }
        match load::table(&path) {
            Ok(table) => {
                let role = role(dataset.kind.as_deref(), &table.names());
                tables.push((dataset, table, role));
            }
            Err(err) => problems.push(err),
        }
    }
    let roles = tables.iter().map(|(d, _, r)| (d.name.clone(), *r)).collect();
    // The bars: over the window and as-of, and every row the datasets have.
    let manifest = output.manifest.as_ref();
    let parse = |text: Option<&String>| text.and_then(|t| Timestamp::parse(t).ok());
    let earliest = tables.iter().filter_map(|(_, t, _)| t.ts.first().copied()).min();
    let latest = tables.iter().filter_map(|(_, t, _)| t.ts.last().copied()).max();
    let from = [parse(manifest.map(|m| &m.window.start)).map(Timestamp::as_micros), earliest]
        .into_iter()
        .flatten()
        .min();
    let to = [
        parse(manifest.map(|m| &m.window.end)).map(Timestamp::as_micros),
        parse(manifest.map(|m| &m.as_of)).map(Timestamp::as_micros),
        latest,
    ]
    .into_iter()
    .flatten()
    .max();
    let mut bars: Option<BarColumns> = None;
    let mut availability = None;
    if let (Some(reader), Some(timeframe), Some(from), Some(to)) = (reader, output.timeframe, from, to) {
        match load::bars(reader, symbol, timeframe, Timestamp::from_micros(from), Timestamp::from_micros(to))
        {
            Ok((read, stored)) => {
                availability = Some(availability_view(&read, &stored, timeframe));
                if read.is_empty() {
                    problems
                        .push(format!("bars of {symbol} {timeframe}: none stored in the span of the output"));
                } else {
                    bars = Some(read);
                }
            }
            Err(err) => problems.push(err),
        }
    }

    let mut charts = Vec::new();
    // The symbol's bar chart: on the bars, or else on the first feature table's rows, or else on
    // the events' own times.
    let features: Vec<_> = tables.iter().filter(|(_, _, r)| *r == DatasetRole::Features).collect();
    let events: Vec<_> = tables.iter().filter(|(_, _, r)| *r == DatasetRole::Events).collect();
    let axis: Vec<i64> = match (&bars, features.first()) {
        (Some(bars), _) => bars.ts.clone(),
        (None, Some((_, table, _))) => table.ts.clone(),
        (None, None) => {
            let mut ts: Vec<i64> = events.iter().flat_map(|(_, t, _)| t.ts.iter().copied()).collect();
            ts.sort_unstable();
            ts.dedup();
            ts
        }
    };
    if !axis.is_empty() {
        let timeframe = output.timeframe.map_or_else(String::new, |t| t.to_string());
        let title = match &bars {
            Some(_) => format!("{symbol} {timeframe} bars"),
            None => format!("{symbol} {timeframe} (no bars: see the problems above)"),
        };
        let mut chart = ChartBuilder::new(format!("{}-bars", chart_id(symbol)), title, axis);
        if let Some(bars) = &bars {
            chart.bar_columns(bars);
        }
        let many = features.len() > 1;
        for (dataset, table, _) in &features {
            let names = table.names();
            for (column, placement) in table.columns.iter().zip(feature_placements(&names)) {
                let label =
                    if many { format!("{}.{}", dataset.name, column.name) } else { column.name.clone() };
                chart.series(label, &placement, &table.ts, &column.values);
            }
        }
        for (dataset, table, _) in &events {
            chart.markers(&dataset.name, table);
        }
        charts.push(chart.finish());
    }
    // Resampled and information-driven bars, each on its own timestamps.
    for (dataset, table, _) in tables.iter().filter(|(_, _, r)| *r == DatasetRole::Bars) {
        if table.ts.is_empty() {
            continue;
        }
        let title = format!("{symbol}: {} (bars on their own timestamps)", dataset.name);
        let mut chart = ChartBuilder::new(
            format!("{}-{}", chart_id(symbol), chart_id(&dataset.name)),
            title,
            table.ts.clone(),
        );
        let column = |name: &str| table.column(name).expect("a bars dataset has its four prices");
        chart.candles(column("open"), column("high"), column("low"), column("close"), table.column("volume"));
        for c in table
            .columns
            .iter()
            .filter(|c| !["open", "high", "low", "close", "volume"].contains(&c.name.as_str()))
        {
            chart.series(c.name.clone(), &Placement::Hover, &table.ts, &c.values);
        }
        charts.push(chart.finish());
    }
    SymbolReport { symbol: symbol.to_owned(), charts, roles, availability }
}

/// An element id from a name: letters and digits kept, the rest as `_XX`.
fn chart_id(name: &str) -> String {
    name.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("_{b:02X}") })
        .collect()
}

fn availability_view(
    read: &BarColumns,
    stored: &crate::domain::Availability,
    timeframe: Timeframe,
) -> AvailabilityView {
    let time = |us: i64| Timestamp::from_micros(us).to_string();
    let stored_text = match (stored.earliest, stored.latest) {
        (Some(a), Some(b)) => format!("{} bars, {a} ..= {b}", stored.count),
        _ => "nothing".to_owned(),
    };
    let read_text = match (read.ts.first(), read.ts.last()) {
        (Some(&a), Some(&b)) => format!("{} bars, {} ..= {}", read.ts.len(), time(a), time(b)),
        _ => "none".to_owned(),
    };
    // A gap: the next bar opens after this one closes.
    let mut gaps: Vec<(i64, i64)> = read
        .ts
        .windows(2)
        .filter_map(|w| {
            let close = timeframe.close_of(Timestamp::from_micros(w[0])).as_micros();
            (w[1] > close).then_some((close, w[1]))
        })
        .collect();
    let span = match (read.ts.first(), read.ts.last()) {
        (Some(&a), Some(&b)) if b > a => (a, (b - a) as f64),
        _ => (0, 1.0),
    };
    let strip = gaps
        .iter()
        .map(|&(a, b)| (((a - span.0) as f64 / span.1 * 1000.0), ((b - a) as f64 / span.1 * 1000.0).max(0.3)))
        .collect();
    let count = gaps.len();
    gaps.sort_by_key(|&(a, b)| std::cmp::Reverse(b - a));
    let longest = gaps
        .iter()
        .take(GAPS_LISTED)
        .map(|&(a, b)| Gap { from: time(a), to: time(b), length: duration(b - a) })
        .collect();
    AvailabilityView { stored: stored_text, read: read_text, gaps: count, longest, strip }
}

/// `2 d 4 h`, `3 h 30 min`, `45 s`.
fn duration(micros: i64) -> String {
    let s = micros / 1_000_000;
    let (d, h, m) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_are_bars_that_open_after_the_previous_one_closed() {
        let hour = 3_600_000_000;
        let read = BarColumns {
            ts: vec![0, hour, 2 * hour, 50 * hour, 51 * hour, 60 * hour],
            ..BarColumns::default()
        };
        let view = availability_view(&read, &crate::domain::Availability::default(), Timeframe::Hour1);
        assert_eq!(view.gaps, 2);
        assert_eq!(view.longest[0].length, "1 d 23 h");
        assert_eq!(view.longest[0].from, Timestamp::from_micros(3 * hour).to_string());
        assert_eq!(view.longest[1].length, "8 h");
    }

    #[test]
    fn a_chart_id_keeps_letters_and_digits() {
        assert_eq!(chart_id("BTC/USDT"), "BTC_2FUSDT");
    }
}
