//! `candlewick run JOB.yaml`: a batch job, then its summary.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::Exit;
use crate::job::{Job, run_job};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The job file (YAML): source, symbols, timeframe, window, plugins, output
    pub job: PathBuf,
}

/// [`Exit::Success`] when every unit succeeded, [`Exit::UnitsFailed`] when some failed; a job that
/// cannot run is an error ([`Exit::Failure`]).
pub fn run(args: &RunArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let job = Job::load(&args.job)?;
    let summary = run_job(&job)?;
    write!(out, "{}", summary.render(&job.output))?;
    Ok(if summary.failed().next().is_none() { Exit::Success } else { Exit::UnitsFailed })
}
