//! `candlewick run JOB.yaml`: a batch job, then its summary. SIGINT and SIGTERM stop it cleanly
//! (see `job::StopSignal`): the summary is printed and the exit code says which signal.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::Exit;
use crate::job::{Job, Overrides, RunOptions, SIGINT, SIGTERM, Shard, StopReason, StopSignal, run_job_with};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The job file (YAML): source, symbols, timeframe, window, plugins, output
    pub job: PathBuf,
    /// Comma-separated symbols instead of the job's, such as EURUSD,GBPUSD
    #[arg(long, value_delimiter = ',', value_name = "SYMBOLS")]
    pub symbols: Option<Vec<String>>,
    /// The window's start instead of the job's (RFC 3339 or YYYY-MM-DD[ HH:MM[:SS]], UTC)
    #[arg(long, value_name = "TIME")]
    pub start: Option<String>,
    /// The window's end instead of the job's (inclusive)
    #[arg(long, value_name = "TIME")]
    pub end: Option<String>,
    /// The as-of time instead of the job's
    #[arg(long = "as-of", value_name = "TIME")]
    pub as_of: Option<String>,
    /// The output folder instead of the job's (relative to the working folder), or an object
    /// store's URL: s3://BUCKET/PREFIX (gs://, az://; file:///PATH is a folder)
    #[arg(long, value_name = "DIR|URL")]
    pub output: Option<PathBuf>,
    /// Skip the units an earlier run of this job finished: listed in its manifest, with the same
    /// plugin, parameters, window, as-of, timeframe and source, and their files unchanged
    #[arg(long)]
    pub resume: bool,
    /// Remove the files in the output that this run's manifest does not list (earlier runs')
    #[arg(long)]
    pub prune: bool,
    /// Seconds running units may take to finish after SIGINT or SIGTERM before the job gives up on them
    #[arg(long, value_name = "SECS", default_value_t = crate::job::DEFAULT_GRACE.as_secs())]
    pub grace: u64,
    /// Run only shard I of N (0 <= I < N): the units of its symbols, split by their bars, with a
    /// manifest of its own; without it, JOB_COMPLETION_INDEX and JOB_COMPLETIONS when both are set
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Print the SQL plans (EXPLAIN (ANALYZE, BUFFERS)) of the reads of each plugin's first unit,
    /// which runs without writing anything; no other unit runs
    #[arg(long)]
    pub explain: bool,
}

/// [`Exit::Success`] when every unit succeeded, [`Exit::UnitsFailed`] when some failed,
/// [`Exit::Interrupted`] or [`Exit::Terminated`] when a signal stopped it; a job that cannot run
/// is an error ([`Exit::Failure`]).
pub fn run(args: &RunArgs, quiet: bool, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let overrides = Overrides {
        symbols: args.symbols.clone(),
        start: args.start.clone(),
        end: args.end.clone(),
        as_of: args.as_of.clone(),
        output: args.output.clone(),
    };
    // The shard first: a bad one is a one-line error before the job file is even read.
    let shard = match &args.shard {
        Some(text) => Some(Shard::parse(text).map_err(anyhow::Error::msg)?),
        None => Shard::from_env(&|name| std::env::var(name).ok()).map_err(anyhow::Error::msg)?,
    }
    .filter(|shard| shard.count > 1);
    let job = Job::load_with(&args.job, &overrides)?;
    if args.explain {
        write!(out, "{}", crate::job::explain(&job, shard)?)?;
        return Ok(Exit::Success);
    }
    let stop = listen_for_signals()?;
    let options = RunOptions {
        resume: args.resume,
        prune: args.prune,
        stop,
        grace: Duration::from_secs(args.grace),
        quiet,
        shard,
    };
    let summary = run_job_with(&job, &options)?;
    write!(out, "{}", summary.render(&job.output))?;
    Ok(match summary.stopped {
        Some(StopReason::Signal(SIGINT)) => Exit::Interrupted,
        Some(StopReason::Signal(_)) => Exit::Terminated,
        // Units failed while the database or the output's store was unavailable, or the store
        // did not take the commit: run again (--resume) later.
        _ if summary.failed().next().is_some()
            && summary.reads_unavailable + summary.store_unavailable > 0 =>
        {
            Exit::Unavailable
        }
        _ if summary.failed().next().is_some() => Exit::UnitsFailed,
        _ if summary.manifest.is_err() && summary.store_unavailable > 0 => Exit::Unavailable,
        _ if summary.manifest.is_err() && summary.units.iter().any(|u| u.outcome.is_done()) => Exit::Failure,
        _ => Exit::Success,
    })
}

/// SIGINT and SIGTERM, from now on, are heard by the returned handle instead of ending the process.
fn listen_for_signals() -> anyhow::Result<StopSignal> {
    let stop = StopSignal::new();
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])
        .map_err(|err| anyhow::anyhow!("listening for SIGINT and SIGTERM: {err}"))?;
    let heard = stop.clone();
    std::thread::Builder::new()
        .name("candlewick-signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                heard.raise(signal);
            }
        })
        .map_err(|err| anyhow::anyhow!("listening for SIGINT and SIGTERM: {err}"))?;
    Ok(stop)
}
