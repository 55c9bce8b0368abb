//! `candlewick run`: a batch job over symbols and a window, plugins compiled once, one unit of
//! work per plugin and symbol, one Parquet file per unit.

mod config;
mod coverage;
mod interpolate;
mod run;

pub use config::{Job, JobError, PluginJob, Source};
pub use interpolate::interpolate;
pub use run::{JobSummary, UnitOutcome, UnitReport, UnitWritten, open_reader, plan, run_job};
