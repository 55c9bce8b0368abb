//! `candlewick ingest FILE…`

use super::Exit;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::Args;

use super::DatabaseArgs;
use crate::bars_file::{
    ColumnSpec, EpochUnit, FileDefaults, Header, Preset, ReadOptions, Source, VolumePolicy, Zone,
    check_strftime,
};
use crate::domain::{Symbol, Timeframe, error_chain};
use crate::pg::ingest::{IngestReport, ingest_file_with};

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// CSV or Parquet bar files: timestamp, open, high, low, close, optional volume, symbol, timeframe
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The symbol of every bar, for files without a symbol column
    #[arg(long, value_parser = parse_symbol)]
    pub symbol: Option<Symbol>,
    /// The timeframe of every bar, for files without a timeframe column (tick, 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w, 1M)
    #[arg(long)]
    pub timeframe: Option<Timeframe>,
    /// A vendor's file shape: binance, mt4, mt5, dukascopy, yahoo, stooq, histdata (flags override its settings)
    #[arg(long, value_name = "NAME", value_parser = |s: &str| s.parse::<Preset>())]
    pub format: Option<Preset>,
    /// CSV: the first line is a bar, not a header (name the columns with --columns)
    #[arg(long)]
    pub no_header: bool,
    /// The file's columns in order (timestamp,open,high,low,close,_,volume; `_` skips one), or
    /// assignments NAME=POSITION|HEADER (positions from 1), such as timestamp=Gmt time,volume=7
    #[arg(long, value_name = "LIST", value_parser = |s: &str| s.parse::<ColumnSpec>())]
    pub columns: Option<ColumnSpec>,
    /// CSV field separator: one character, or `tab` (default: detected among , ; tab |)
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,
    /// strftime format of the timestamp (or of "DATE TIME" with a date and a time column), such as %d.%m.%Y %H:%M:%S%.3f
    #[arg(long, value_name = "FORMAT", value_parser = check_strftime)]
    pub timestamp_format: Option<String>,
    /// The column holding the date, combined with --time-column (a header or a position from 1)
    #[arg(long, value_name = "COLUMN")]
    pub date_column: Option<String>,
    /// The column holding the time of day, combined with --date-column
    #[arg(long, value_name = "COLUMN", requires = "date_column")]
    pub time_column: Option<String>,
    /// Unit of integer timestamps: s, ms, us, ns (default: detected from the first one's magnitude)
    #[arg(long, value_name = "UNIT", value_parser = |s: &str| s.parse::<EpochUnit>())]
    pub epoch: Option<EpochUnit>,
    /// Time zone of timestamps without an offset (IANA name such as America/New_York, or +02:00;
    /// default UTC); day, week and month bars take their dates in it
    #[arg(long, value_name = "NAME", value_parser = |s: &str| s.parse::<Zone>())]
    pub tz: Option<Zone>,
    /// Store volume × N: fractional volumes (crypto) become whole; the summary says so
    #[arg(long, value_name = "N", value_parser = parse_scale)]
    pub volume_scale: Option<u64>,
    /// Round fractional volumes to the nearest whole number; the summary counts them
    #[arg(long)]
    pub volume_round: bool,
    /// Write the good rows of a file with bad ones, and list each bad row (file, line, field, reason) in this CSV
    #[arg(long, value_name = "REPORT.csv")]
    pub skip_bad_rows: Option<PathBuf>,
    /// Spread ticks that share a timestamp by +1 µs each, in file order (otherwise a repeated key is refused)
    #[arg(long)]
    pub tick_sequence: bool,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

fn parse_symbol(text: &str) -> Result<Symbol, String> {
    Symbol::new(text).map_err(|err| err.to_string())
}

fn parse_delimiter(text: &str) -> Result<u8, String> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if text.len() == 1 && text.is_ascii() && text != "\"" && text != "\n" => Ok(text.as_bytes()[0]),
        _ => Err(format!("{text:?} is not one character (expected such as , ; | or tab)")),
    }
}

fn parse_scale(text: &str) -> Result<u64, String> {
    text.parse::<u64>()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| format!("{text:?} is not a whole number >= 1 (expected such as 1000 or 100000000)"))
}

impl IngestArgs {
    /// The reading options the flags give, over the preset's.
    pub fn read_options(&self) -> anyhow::Result<ReadOptions> {
        let mut columns = self.columns.clone();
        for (column, given) in [
            (crate::bars_file::Column::Date, &self.date_column),
            (crate::bars_file::Column::Time, &self.time_column),
        ] {
            let Some(given) = given else { continue };
            let source = match given.parse::<usize>() {
                Ok(0) => anyhow::bail!("--{column}-column 0: positions count from 1"),
                Ok(position) => Source::Position(position),
                Err(_) => Source::Name(given.clone()),
            };
            columns = Some(match columns {
                None => ColumnSpec::Assigned(vec![(column, source)]),
                Some(ColumnSpec::Assigned(mut list)) => {
                    list.push((column, source));
                    ColumnSpec::Assigned(list)
                }
                Some(ColumnSpec::InOrder(_)) => anyhow::bail!(
                    "--{column}-column with --columns in file order: name the {column} column in the list instead"
                ),
            });
        }
        let options = ReadOptions {
            header: if self.no_header { Header::Absent } else { Header::Present },
            delimiter: self.delimiter,
            columns,
            timestamp_format: self.timestamp_format.clone(),
            date_time_format: self.timestamp_format.clone(),
            epoch: self.epoch,
            tz: self.tz,
            volume: VolumePolicy { scale: self.volume_scale, round: self.volume_round },
            skip_bad_rows: self.skip_bad_rows.is_some(),
            tick_sequence: self.tick_sequence,
            preset: None,
        };
        Ok(match self.format {
            Some(preset) => options.with_preset(preset),
            None => options,
        })
    }
}

/// Ingests the files in order, each in its own transaction. A file that fails writes nothing and
/// the others go on; the summary lists each file, and the command fails when any file did.
pub fn run(args: &IngestArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let defaults =
        FileDefaults { symbol: args.symbol.clone(), timeframe: args.timeframe, only_where_missing: false };
    let options = args.read_options()?;
    let mut report = match &args.skip_bad_rows {
        Some(path) => Some(SkipReport::create(path)?),
        None => None,
    };
    let mut client = args.database.client()?;
    let mut failed: Vec<(&Path, anyhow::Error)> = Vec::new();
    for path in &args.files {
        let started = Instant::now();
        match ingest_file_with(&mut client, path, &defaults, &options) {
            Ok(ingested) => {
                let seconds = started.elapsed().as_secs_f64();
                writeln!(
                    out,
                    "{}",
                    summary(&ingested, args, report.as_ref().map(|r| r.path.as_path()), seconds)
                )?;
                if let Some(report) = &mut report {
                    report.add(&ingested)?;
                }
            }
            Err(err) => {
                let err = anyhow::Error::new(err);
                if args.files.len() > 1 {
                    writeln!(
                        out,
                        "{}: failed, nothing of it written: {}",
                        path.display(),
                        error_chain(&*err)
                    )?;
                }
                failed.push((path, err));
            }
        }
    }
    if let Some(report) = report {
        report.finish()?;
    }
    let total = args.files.len();
    if total > 1 {
        writeln!(out, "files: {} ingested, {} failed", total - failed.len(), failed.len())?;
    }
    match failed.len() {
        0 => Ok(Exit::Success),
        _ if total == 1 => {
            let (_, err) = failed.pop().expect("one failure");
            Err(err.context("ingesting (nothing was written)"))
        }
        n => {
            let names: Vec<String> = failed.iter().map(|(path, _)| path.display().to_string()).collect();
            anyhow::bail!(
                "ingesting: {n} of {total} files failed and nothing of them was written (the others were): {}",
                names.join(", ")
            )
        }
    }
}

/// One file's line: `bars.csv: 3 rows, 1 written, 2 unchanged; …`.
fn summary(report: &IngestReport, args: &IngestArgs, skip_report: Option<&Path>, seconds: f64) -> String {
    let mut line = format!(
        "{}: {} rows, {} written, {} unchanged",
        report.path.display(),
        report.rows,
        report.written,
        report.rows - report.written
    );
    if report.volumes_kept > 0 {
        line += &format!("; {} kept their stored volume (none in the file)", report.volumes_kept);
    }
    if let Some(scale) = args.volume_scale {
        line += &format!("; volumes stored × {scale} (--volume-scale)");
    }
    if report.volumes_rounded > 0 {
        line += &format!("; {} volume(s) rounded (--volume-round)", report.volumes_rounded);
    }
    if let Some(skip_report) = skip_report {
        line +=
            &format!("; {} bad row(s) skipped (listed in {})", report.skipped.len(), skip_report.display());
    }
    for note in &report.notes {
        line += &format!("; {note}");
    }
    line + &format!(" ({:.0} rows/s)", report.rows as f64 / seconds.max(1e-9))
}

/// The `--skip-bad-rows` report: one CSV line per skipped row of every file.
struct SkipReport {
    path: PathBuf,
    writer: csv::Writer<std::fs::File>,
}

impl SkipReport {
    fn create(path: &Path) -> anyhow::Result<Self> {
        let file = std::fs::File::create(path)
            .with_context(|| format!("creating the --skip-bad-rows report {}", path.display()))?;
        let mut writer = csv::Writer::from_writer(file);
        writer.write_record(["file", "location", "field", "reason"])?;
        Ok(SkipReport { path: path.to_owned(), writer })
    }

    fn add(&mut self, report: &IngestReport) -> anyhow::Result<()> {
        let file = report.path.display().to_string();
        for row in &report.skipped {
            let field = row.field.map(|f| f.name()).unwrap_or("");
            self.writer.write_record([file.as_str(), &row.location.to_string(), field, &row.reason])?;
        }
        Ok(())
    }

    fn finish(mut self) -> anyhow::Result<()> {
        self.writer
            .flush()
            .with_context(|| format!("writing the --skip-bad-rows report {}", self.path.display()))
    }
}
