//! `candlewick run`: a batch job over symbols and a window, plugins compiled once, one unit of
//! work per plugin and symbol, one dataset per plugin entry (hive-partitioned by symbol, one
//! Parquet file per unit), optionally the joined feature table, and a manifest written last.
//!
//! - `config.rs`: the job file and the command line's overrides;
//! - `run.rs`: what is checked before any unit runs, and one plugin's unit;
//! - `execute.rs`: the units on worker threads, stops and `--resume`; `explain.rs`: `--explain`;
//! - `dataset.rs`, `join.rs`: the datasets' names and the joined feature table;
//! - `manifest.rs`, `stale.rs`, `output_dir.rs`: the output folder and its list of current files;
//! - `coverage.rs`: what is stored, when a unit has no bars;
//! - `shard.rs`: a job split over processes (`--shard I/N`): which symbols each runs;
//! - `store.rs`: outputs in object storage (`output: s3://…`), staging and the commit protocol;
//! - `stop.rs`: signals; `summary.rs`: what the job did.

mod config;
mod coverage;
mod dataset;
mod execute;
mod explain;
mod interpolate;
mod join;
mod manifest;
mod output_dir;
mod run;
mod shard;
mod stale;
mod stop;
mod store;
mod summary;
mod watch;

pub use config::{Job, JobError, Overrides, PluginJob, Source};
pub use execute::{DEFAULT_GRACE, RunOptions};
pub use explain::explain;
pub use interpolate::interpolate;
pub use manifest::{MANIFEST_FILE, Manifest, RunStatus, ShardRecord, UnitRecord, UnitStatus};
pub use run::{open_reader, plan, run_job, run_job_with};
pub use shard::{Shard, ShardPlan, assign, estimated_bars};
pub use stop::{SIGINT, SIGTERM, StopReason, StopSignal};
pub use store::StoreUnavailable;
pub(crate) use store::{fetch_manifests, fetch_output};
pub use summary::{JobSummary, UnitOutcome, UnitReport, UnitWritten};
