//! What a job did, unit by unit, and the summary it closes with.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::stop::StopReason;
use crate::domain::Symbol;

/// How one unit ended.
#[derive(Debug, Clone)]
pub struct UnitReport {
    /// The dataset's name: the entry's output name, or the joined table's.
    pub plugin: String,
    pub symbol: Symbol,
    pub outcome: UnitOutcome,
    /// Wall time of the unit.
    pub seconds: f64,
    /// What its reads cost the database (none for another source, or a unit that did not run).
    pub database: Option<crate::reader::query_cost::QueryCost>,
}

/// What a unit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitOutcome {
    /// It wrote its file.
    Written(UnitWritten),
    /// `--resume` kept its file from an earlier run: the manifest listed it, its provenance and
    /// checksum matched.
    Resumed(UnitWritten),
    /// Its table had no rows (a window without bars, under `allow_empty`, or a sampler that found
    /// nothing): no file is written, so an earlier file with rows is never replaced by an empty one.
    Empty { rows_in: u64 },
    /// Why it failed.
    Failed(String),
    /// The job stopped before it started.
    NotRun,
    /// It was running when the job stopped and gave up on it; it left no file.
    Abandoned,
}

impl UnitOutcome {
    pub fn is_failed(&self) -> bool {
        matches!(self, UnitOutcome::Failed(_))
    }

    /// Done: written, kept or empty.
    pub fn is_done(&self) -> bool {
        matches!(self, UnitOutcome::Written(_) | UnitOutcome::Resumed(_) | UnitOutcome::Empty { .. })
    }

    /// Its file, when it has one.
    pub fn written(&self) -> Option<&UnitWritten> {
        match self {
            UnitOutcome::Written(w) | UnitOutcome::Resumed(w) => Some(w),
            _ => None,
        }
    }

    /// Bars read and rows written by this run (none for a unit it kept).
    fn rows(&self) -> (u64, u64) {
        match self {
            UnitOutcome::Written(w) => (w.rows_in, w.rows_out),
            UnitOutcome::Empty { rows_in } => (*rows_in, 0),
            _ => (0, 0),
        }
    }
}

/// What a unit that succeeded wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitWritten {
    /// The Parquet file.
    pub path: PathBuf,
    /// Bars the plugin read, warm-up included.
    pub rows_in: u64,
    /// Rows of the table written.
    pub rows_out: u64,
    /// Hex sha256 of the file.
    pub sha256: String,
    pub bytes: u64,
}

/// What a job did.
#[derive(Debug)]
pub struct JobSummary {
    pub units: Vec<UnitReport>,
    pub elapsed: Duration,
    /// Why it stopped before every unit ran, if it did.
    pub stopped: Option<StopReason>,
    /// Files in the output that the manifest does not list (earlier runs'), relative to it.
    pub stale: Vec<String>,
    /// Whether `--prune` removed them.
    pub pruned: bool,
    /// The manifest written, or why it could not be.
    pub manifest: Result<PathBuf, String>,
    /// Reads that failed because the source was unavailable, after their retries: units that
    /// failed beside them may succeed when run again (exit 75, not 2).
    pub reads_unavailable: u64,
    /// Requests to the output's object store that failed for a reason that may pass (no answer,
    /// a 5xx): units or a commit that failed beside them may succeed when run again (exit 75).
    pub store_unavailable: u64,
}

/// Stale files listed by name in the summary; past this many, a count.
const STALE_SHOWN: usize = 10;

impl JobSummary {
    pub fn failed(&self) -> impl Iterator<Item = &UnitReport> {
        self.units.iter().filter(|u| u.outcome.is_failed())
    }

    fn count(&self, what: fn(&UnitOutcome) -> bool) -> usize {
        self.units.iter().filter(|u| what(&u.outcome)).count()
    }

    /// The closing summary: units, rows, time, files, failures, what was skipped or left.
    pub fn render(&self, output: &Path) -> String {
        let failed = self.failed().count();
        let empty = self.count(|o| matches!(o, UnitOutcome::Empty { .. }));
        let resumed = self.count(|o| matches!(o, UnitOutcome::Resumed(_)));
        let not_run = self.count(|o| matches!(o, UnitOutcome::NotRun | UnitOutcome::Abandoned));
        let ok = self.count(UnitOutcome::is_done);
        let (rows_in, rows_out) = self
            .units
            .iter()
            .map(|u| u.outcome.rows())
            .fold((0u64, 0u64), |(i, o), (unit_in, unit_out)| (i + unit_in, o + unit_out));
        let mut notes = Vec::new();
        if empty > 0 {
            notes.push(format!("{empty} empty"));
        }
        if resumed > 0 {
            notes.push(format!("{resumed} resumed"));
        }
        let notes = if notes.is_empty() { String::new() } else { format!(" ({})", notes.join(", ")) };
        let not_run = if not_run > 0 { format!(", {not_run} not run") } else { String::new() };
        let mut text = format!(
            "units: {ok} ok{notes}, {failed} failed{not_run}; rows in {rows_in}, rows out {rows_out}; {:.2} s\n",
            self.elapsed.as_secs_f64(),
        );
        if let Some(reason) = &self.stopped {
            text.push_str(&format!("stopped: {}\n", reason.describe()));
        }
        let costs: Vec<_> = self.units.iter().filter_map(|u| u.database).collect();
        if !costs.is_empty() {
            let total =
                costs.into_iter().fold(Default::default(), crate::reader::query_cost::QueryCost::plus);
            text.push_str(&format!("database: {}\n", total.describe()));
        }
        text.push_str(&format!("output: {}\n", output.display()));
        for unit in &self.units {
            let (name, symbol) = (&unit.plugin, &unit.symbol);
            match &unit.outcome {
                UnitOutcome::Written(w) => {
                    text.push_str(&format!("  {} ({} rows)\n", w.path.display(), w.rows_out))
                }
                UnitOutcome::Resumed(w) => {
                    text.push_str(&format!("  {} ({} rows, kept: resumed)\n", w.path.display(), w.rows_out))
                }
                UnitOutcome::Empty { .. } => {
                    text.push_str(&format!("  {name} {symbol}: no rows, nothing written\n"))
                }
                UnitOutcome::Failed(err) => text.push_str(&format!("  FAILED {err}\n")),
                UnitOutcome::NotRun => text.push_str(&format!("  NOT RUN {name} {symbol}\n")),
                UnitOutcome::Abandoned => {
                    text.push_str(&format!("  ABANDONED {name} {symbol} (stopped while running; no file)\n"))
                }
            }
        }
        match &self.manifest {
            Ok(path) => text.push_str(&format!("manifest: {}\n", path.display())),
            Err(err) => text.push_str(&format!("manifest: NOT WRITTEN: {err}\n")),
        }
        if !self.stale.is_empty() {
            let verb = if self.pruned {
                "removed (--prune)"
            } else {
                "not listed by the manifest (--prune removes them)"
            };
            text.push_str(&format!("stale: {} files of earlier runs {verb}:\n", self.stale.len()));
            for file in self.stale.iter().take(STALE_SHOWN) {
                text.push_str(&format!("  {file}\n"));
            }
            if self.stale.len() > STALE_SHOWN {
                text.push_str(&format!("  … and {} more\n", self.stale.len() - STALE_SHOWN));
            }
        }
        text
    }
}
