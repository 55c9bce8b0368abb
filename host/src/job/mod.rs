//! `candlewick run`: a batch job over symbols and a window, plugins compiled once, one unit of
//! work per plugin and symbol, one Parquet file per unit.

mod config;
mod interpolate;
mod params;
mod run;

pub use config::{Job, JobError, PluginJob, Source};
pub use interpolate::interpolate;
pub use params::resolve as resolve_params;
pub use run::{JobSummary, UnitReport, run_job};
pub(crate) use run::{default_cache_dir, unit_of_work};
