//! The run's manifest, `<output>/manifest.json`: what the run was (job file and hash, window,
//! as-of, timeframe, source, each dataset's plugin, parameters and folder), and per unit its
//! status, rows, file and checksum. Written atomically (temporary file, then rename) as units
//! finish and once more at the end, so it is the list of current files, says whether the run
//! finished, and lets `--resume` skip what is done.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The manifest's file name inside the output folder.
pub const MANIFEST_FILE: &str = "manifest.json";

/// The layout of this manifest; a reader checks it.
pub const MANIFEST_VERSION: u32 = 1;

/// Whether the run finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunStatus {
    /// Every unit ran (some may have failed: see each unit's status).
    Complete,
    /// The run has not finished: it is running, it was stopped (`stopped_by`), or it died.
    Incomplete,
}

/// How a unit ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnitStatus {
    /// Its file is written.
    Ok,
    /// It had no rows: no file.
    Empty,
    Failed,
    /// The job stopped before it started.
    NotRun,
    /// It was running when the job stopped and gave up on it: no file.
    Abandoned,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobFileRecord {
    /// The job file, as given.
    pub file: String,
    /// Its absolute path: which job the output belongs to.
    pub path: String,
    /// Hex sha256 of its bytes.
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowRecord {
    pub start: String,
    pub end: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetRecord {
    /// Its folder, relative to the output folder: read it as one hive-partitioned table.
    pub path: String,
    /// `feature-builder`, `sampler` or `joined`.
    pub kind: String,
    /// Hex sha256 of `identity`.
    pub hash: String,
    /// What makes its rows: plugin, version, sha256, parameters, timeframe, warm-up (a joined
    /// table: its members' hashes and its columns).
    pub identity: serde_json::Value,
    /// The plugin file (none for a joined table).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin_file: Option<String>,
    /// The files this run wrote or kept, relative to the output folder: the dataset's current files.
    pub files: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitRecord {
    /// The dataset's name (a key of `datasets`).
    pub dataset: String,
    pub symbol: String,
    pub status: UnitStatus,
    /// Kept from an earlier run by `--resume`: its file matched.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub resumed: bool,
    pub rows_in: u64,
    pub rows_out: u64,
    /// Relative to the output folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// Wall time of the unit.
    pub seconds: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What its reads cost the database (a source that is not a database: none). A symbol's
    /// shared read is counted on its first unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<crate::reader::query_cost::QueryCost>,
}

/// The manifest as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub manifest_version: u32,
    pub status: RunStatus,
    /// `SIGINT`, `SIGTERM` or `fail_fast` when the run stopped early.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_by: Option<String>,
    pub host_version: String,
    pub job: JobFileRecord,
    /// RFC 3339, UTC.
    pub started: String,
    /// None until the run ends.
    pub ended: Option<String>,
    /// `database`, `fixture <path>` or `embedded sample`: never a credential.
    pub source: String,
    pub timeframe: String,
    pub window: WindowRecord,
    pub as_of: String,
    pub symbols: Vec<String>,
    /// By name, in the job's order.
    pub datasets: serde_json::Map<String, serde_json::Value>,
    pub units: Vec<UnitRecord>,
    /// The shard this run was, when the job ran in shards (`--shard I/N`): its manifest is then
    /// `manifest-shard-I-of-N.json`, and `symbols` are the shard's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardRecord>,
}

/// A shard's place in the split (see `job::shard`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardRecord {
    pub index: u32,
    pub count: u32,
    /// Hex sha256 of the whole assignment (`symbol=shard` lines): equal in every shard of a split.
    pub assignment: String,
    /// The job's symbols in all shards.
    pub job_symbols: usize,
    /// Estimated bars of this shard's symbols (see `job::shard`).
    pub bars: u64,
    /// The estimated bars the assignment was made from, by symbol (every symbol of the job): a
    /// shard that starts later takes them from here, so that its symbols are the ones first
    /// assigned. (`counts` in manifests of 0.x before the estimate, when they were counted.)
    #[serde(alias = "counts")]
    pub estimated_bars: std::collections::BTreeMap<String, u64>,
}

impl Manifest {
    pub fn path(output: &Path) -> PathBuf {
        output.join(MANIFEST_FILE)
    }

    /// The manifest in `output`, if there is one. One that cannot be read as a manifest is an
    /// error naming it (nothing is overwritten).
    pub fn read(output: &Path) -> Result<Option<Manifest>, String> {
        Manifest::read_named(output, MANIFEST_FILE)
    }

    /// The manifests in `output` (the run's `manifest.json`, shards' `manifest-shard-I-of-N.json`),
    /// by file name, sorted; the names of files that are not manifests are errors.
    pub fn read_all(output: &Path) -> Result<Vec<(String, Manifest)>, String> {
        let entries = match std::fs::read_dir(output) {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(err) => return Err(format!("reading {}: {err}", output.display())),
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n == MANIFEST_FILE || super::shard::Shard::of_manifest_file(n).is_some())
            .collect();
        names.sort();
        let mut manifests = Vec::with_capacity(names.len());
        for name in names {
            if let Some(manifest) = Manifest::read_named(output, &name)? {
                manifests.push((name, manifest));
            }
        }
        Ok(manifests)
    }

    /// The manifest `name` in `output` (see [`read`](Self::read)).
    pub fn read_named(output: &Path, name: &str) -> Result<Option<Manifest>, String> {
        let path = output.join(name);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(format!("reading {}: {err}", path.display())),
        };
        let manifest: Manifest = serde_json::from_str(&text).map_err(|err| {
            format!(
                "{}: not a candlewick manifest ({err}; expected the manifest of an earlier run, or no file: \
                 remove it to start afresh)",
                path.display()
            )
        })?;
        if manifest.manifest_version != MANIFEST_VERSION {
            return Err(format!(
                "{}: manifest_version {} (expected {MANIFEST_VERSION})",
                path.display(),
                manifest.manifest_version
            ));
        }
        Ok(Some(manifest))
    }

    /// The dataset record of `name`.
    pub fn dataset(&self, name: &str) -> Option<DatasetRecord> {
        self.datasets.get(name).and_then(|v| serde_json::from_value(v.clone()).ok())
    }

    /// Writes the manifest to `output` atomically: a temporary file, then a rename.
    pub fn write(&self, output: &Path) -> std::io::Result<()> {
        self.write_named(output, MANIFEST_FILE)
    }

    /// Writes the manifest as `name` in `output` (see [`write`](Self::write)).
    pub fn write_named(&self, output: &Path, name: &str) -> std::io::Result<()> {
        let path = output.join(name);
        let temporary = output.join(format!(".{name}.tmp-{}", std::process::id()));
        let mut text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        text.push('\n');
        std::fs::write(&temporary, text)?;
        std::fs::rename(&temporary, &path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        let mut datasets = serde_json::Map::new();
        let record = DatasetRecord {
            path: "sma-01234567".into(),
            kind: "feature-builder".into(),
            hash: "01234567".repeat(8),
            identity: serde_json::json!({ "params": { "period": 3 } }),
            plugin_file: Some("p.wasm".into()),
            files: vec!["sma-01234567/symbol=EURUSD/data.parquet".into()],
        };
        datasets.insert("sma".into(), serde_json::to_value(&record).unwrap());
        Manifest {
            manifest_version: MANIFEST_VERSION,
            status: RunStatus::Incomplete,
            stopped_by: Some("SIGINT".into()),
            host_version: "0.1.0".into(),
            job: JobFileRecord { file: "job.yaml".into(), path: "/x/job.yaml".into(), sha256: "ab".into() },
            started: "2026-01-01T00:00:00Z".into(),
            ended: None,
            source: "embedded sample".into(),
            timeframe: "1h".into(),
            window: WindowRecord { start: "2018-01-01T00:00:00Z".into(), end: "2018-02-01T00:00:00Z".into() },
            as_of: "2018-02-01T00:00:00Z".into(),
            symbols: vec!["EURUSD".into()],
            datasets,
            units: vec![UnitRecord {
                dataset: "sma".into(),
                symbol: "EURUSD".into(),
                status: UnitStatus::NotRun,
                resumed: false,
                rows_in: 0,
                rows_out: 0,
                file: None,
                sha256: None,
                bytes: None,
                seconds: 0.0,
                error: None,
                database: None,
            }],
            shard: None,
        }
    }

    #[test]
    fn a_manifest_round_trips_through_its_file_with_no_temporary_left() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Manifest::read(dir.path()), Ok(None));
        manifest().write(dir.path()).unwrap();
        assert_eq!(Manifest::read(dir.path()).unwrap(), Some(manifest()));
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["manifest.json"]);
        let text = std::fs::read_to_string(dir.path().join("manifest.json")).unwrap();
        assert!(
            text.contains("\"status\": \"incomplete\"") && text.contains("\"status\": \"not-run\""),
            "{text}"
        );
        assert_eq!(manifest().dataset("sma").unwrap().path, "sma-01234567");
    }

    #[test]
    fn a_file_that_is_not_a_manifest_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("manifest.json"), "{\"hello\": 1}").unwrap();
        let err = Manifest::read(dir.path()).unwrap_err();
        assert!(err.contains("manifest.json: not a candlewick manifest"), "{err}");
    }
}
