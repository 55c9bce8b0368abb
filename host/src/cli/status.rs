//! `candlewick status OUTPUT`: whether a job's output is complete, from its manifests alone —
//! `manifest.json` of a run of the whole job, or each shard's `manifest-shard-I-of-N.json` — and,
//! per shard, whether it is done, failed (which units, why), stopped, running or lost (its
//! manifest says it has not finished; no process is asked), or missing (no manifest yet).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use serde::Serialize;

use super::Exit;
use crate::job::{MANIFEST_FILE, Manifest, RunStatus, Shard, UnitStatus};

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The job's output folder (its `output:`), or its URL in object storage (s3://BUCKET/PREFIX)
    pub output: PathBuf,
    /// One JSON object instead of lines
    #[arg(long)]
    pub json: bool,
}

/// Where a shard (or the whole run) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Every unit ran and none failed.
    Done,
    /// Every unit ran and some failed.
    Failed,
    /// Stopped by a signal or `fail_fast` before every unit ran: `--resume` finishes it.
    Stopped,
    /// Its manifest says it has not finished: it is running, or it died (a killed pod).
    RunningOrLost,
    /// No manifest: it never started, or it failed before it could write one.
    Missing,
}

#[derive(Debug, Serialize)]
pub struct FailedUnit {
    pub dataset: String,
    pub symbol: String,
    pub error: String,
}

#[derive(Debug, Serialize)]
pub struct ShardStatus {
    /// `None` for a run of the whole job (`manifest.json`).
    pub index: Option<u32>,
    pub count: Option<u32>,
    pub state: State,
    /// The manifest's file name (the one it would have, when missing).
    pub manifest: String,
    pub units: usize,
    /// Units that ran to the end: a file, or no rows.
    pub finished: usize,
    pub failed: Vec<FailedUnit>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended: Option<String>,
    /// The split's fingerprint (a shard's manifest only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignment: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct OutputStatus {
    pub output: String,
    /// Every shard (or the run) done.
    pub complete: bool,
    pub shards: Vec<ShardStatus>,
    /// What does not fit one split: shards of another count, of another job file or another split.
    pub warnings: Vec<String>,
}

/// [`Exit::Success`] when the output is complete, [`Exit::UnitsFailed`] when every shard finished
/// but some units failed, [`Exit::Failure`] when a shard is missing, stopped, running or lost.
pub fn run(args: &StatusArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let status = status(&args.output)?;
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &status)?;
        writeln!(out)?;
    } else {
        write!(out, "{}", render(&status))?;
    }
    let finished = status.shards.iter().all(|s| matches!(s.state, State::Done | State::Failed));
    Ok(if status.complete {
        Exit::Success
    } else if finished {
        Exit::UnitsFailed
    } else {
        Exit::Failure
    })
}

/// The status of the output folder `output`, from its manifests.
pub fn status(output: &Path) -> anyhow::Result<OutputStatus> {
    // An output in object storage (s3://…): its manifests, fetched into a folder of their own.
    if let Some(store) = crate::job::fetch_manifests(&output.to_string_lossy())? {
        let mut status =
            status(store.staging()).map_err(|err| anyhow::anyhow!(store.rename_in(&format!("{err:#}"))))?;
        status.output = output.display().to_string();
        return Ok(status);
    }
    let manifests = Manifest::read_all(output).map_err(anyhow::Error::msg)?;
    if manifests.is_empty() {
        anyhow::bail!(
            "{}: no manifest (expected a job's output folder, holding {MANIFEST_FILE} or manifest-shard-I-of-N.json)",
            output.display()
        );
    }
    let mut warnings = Vec::new();
    let mut shards: BTreeMap<u32, BTreeMap<u32, (String, Manifest)>> = BTreeMap::new();
    let mut whole = None;
    for (name, manifest) in manifests {
        match Shard::of_manifest_file(&name) {
            Some(shard) => {
                shards.entry(shard.count).or_default().insert(shard.index, (name, manifest));
            }
            None => whole = Some((name, manifest)),
        }
    }
    // The split with the most shards present is the one reported; others are named.
    let split = shards.iter().max_by_key(|(count, present)| (present.len(), **count)).map(|(c, _)| *c);
    let statuses: Vec<ShardStatus> = match split {
        None => {
            let (name, manifest) = whole.expect("a manifest was read");
            vec![of_manifest(None, &name, Some(&manifest))]
        }
        Some(count) => {
            for (other, present) in shards.iter().filter(|(c, _)| **c != count) {
                warnings.push(format!(
                    "{} manifest(s) of a split into {other} shards too (not reported; remove them, or the \
                     output of the other split)",
                    present.len()
                ));
            }
            if whole.is_some() {
                warnings.push(format!(
                    "{MANIFEST_FILE} of a run of the whole job too (not reported: the {count} shards are)"
                ));
            }
            let present = &shards[&count];
            let first = present.values().next().map(|(_, m)| m);
            for (_, m) in present.values() {
                let (a, b) = (first.and_then(|f| f.shard.as_ref()), m.shard.as_ref());
                let shard = b.map_or(0, |r| r.index);
                if first.is_some_and(|f| f.job.sha256 != m.job.sha256) {
                    warnings.push(format!("shard {shard}/{count} ran another version of the job file"));
                } else if a.map(|r| &r.assignment) != b.map(|r| &r.assignment) {
                    warnings.push(format!(
                        "shard {shard}/{count} split the symbols another way (other symbols or bar counts)"
                    ));
                }
            }
            (0..count)
                .map(|index| {
                    let shard = Shard { index, count };
                    let found = present.get(&index);
                    of_manifest(
                        Some(shard),
                        &found.map_or_else(|| shard.manifest_file(), |(n, _)| n.clone()),
                        found.map(|(_, m)| m),
                    )
                })
                .collect()
        }
    };
    let complete = statuses.iter().all(|s| s.state == State::Done) && warnings.is_empty();
    Ok(OutputStatus { output: output.display().to_string(), complete, shards: statuses, warnings })
}

fn of_manifest(shard: Option<Shard>, name: &str, manifest: Option<&Manifest>) -> ShardStatus {
    let Some(manifest) = manifest else {
        return ShardStatus {
            index: shard.map(|s| s.index),
            count: shard.map(|s| s.count),
            state: State::Missing,
            manifest: name.to_owned(),
            units: 0,
            finished: 0,
            failed: Vec::new(),
            stopped_by: None,
            started: None,
            ended: None,
            assignment: None,
        };
    };
    let failed: Vec<FailedUnit> = manifest
        .units
        .iter()
        .filter(|u| u.status == UnitStatus::Failed)
        .map(|u| FailedUnit {
            dataset: u.dataset.clone(),
            symbol: u.symbol.clone(),
            error: u.error.clone().unwrap_or_default(),
        })
        .collect();
    let finished =
        manifest.units.iter().filter(|u| matches!(u.status, UnitStatus::Ok | UnitStatus::Empty)).count();
    let state = match (manifest.status, &manifest.stopped_by) {
        (RunStatus::Complete, _) if failed.is_empty() => State::Done,
        (RunStatus::Complete, _) => State::Failed,
        (RunStatus::Incomplete, Some(_)) => State::Stopped,
        (RunStatus::Incomplete, None) => State::RunningOrLost,
    };
    ShardStatus {
        index: shard.map(|s| s.index),
        count: shard.map(|s| s.count),
        state,
        manifest: name.to_owned(),
        units: manifest.units.len(),
        finished,
        failed,
        stopped_by: manifest.stopped_by.clone(),
        started: Some(manifest.started.clone()),
        ended: manifest.ended.clone(),
        assignment: manifest.shard.as_ref().map(|r| r.assignment.clone()),
    }
}

/// One line per shard, its failed units under it, and a closing line.
pub fn render(status: &OutputStatus) -> String {
    let mut text = String::new();
    for shard in &status.shards {
        let who = match (shard.index, shard.count) {
            (Some(i), Some(n)) => format!("shard {i}/{n}"),
            _ => "run".to_owned(),
        };
        let progress =
            format!("{} of {} finished", shard.finished, crate::domain::counted(shard.units as u64, "unit"));
        let line = match shard.state {
            State::Done => format!("done: {progress}"),
            State::Failed => format!("failed: {} of {} units failed", shard.failed.len(), shard.units),
            State::Stopped => format!(
                "stopped by {}: {progress} (--resume runs the rest)",
                shard.stopped_by.as_deref().unwrap_or("a signal")
            ),
            State::RunningOrLost => format!(
                "running or lost: {progress}, started {} (its manifest says it has not ended)",
                shard.started.as_deref().unwrap_or("?")
            ),
            State::Missing => {
                format!("missing: no {} (not started, or failed before it wrote one)", shard.manifest)
            }
        };
        text.push_str(&format!("{who}: {line}\n"));
        for unit in &shard.failed {
            text.push_str(&format!("  FAILED {} {}: {}\n", unit.dataset, unit.symbol, unit.error));
        }
    }
    for warning in &status.warnings {
        text.push_str(&format!("warning: {warning}\n"));
    }
    let done = status.shards.iter().filter(|s| s.state == State::Done).count();
    let verdict = if status.complete { "complete" } else { "incomplete" };
    text.push_str(&format!("{}: {verdict} ({done} of {} done)\n", status.output, status.shards.len()));
    text
}
