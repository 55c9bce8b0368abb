//! The datasets a job writes: one per plugin entry, in a folder named by the entry's output name
//! and a hash of what makes its rows (the plugin's bytes, its parameters, the timeframe, a warm-up
//! the job sets), so other parameters or another build never mix into one dataset; and, on
//! request, the joined feature table: every feature builder of the job side by side per
//! (symbol, ts), a column prefixed by its entry's name where two entries share a column name.

use sha2::{Digest, Sha256};

use crate::domain::{ParamValue, PluginKind, Timeframe};
use crate::output::{DatasetDir, OutputName};
use crate::runtime::Plugin;
use crate::unit;

/// What kind of rows a dataset holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatasetKind {
    Plugin(PluginKind),
    /// The feature builders and cross-section plugins joined per (symbol, ts).
    Joined,
}

impl DatasetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DatasetKind::Plugin(PluginKind::FeatureBuilder) => "feature-builder",
            DatasetKind::Plugin(PluginKind::Sampler) => "sampler",
            DatasetKind::Plugin(PluginKind::CrossSection) => "cross-section",
            DatasetKind::Joined => "joined",
        }
    }
}

/// One dataset of the job.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The entry's output name (or the joined table's): the dataset's key in the manifest.
    pub name: OutputName,
    /// Its folder under the output: `<name>-<first digits of hash>`.
    pub dir: DatasetDir,
    /// Hex sha256 of what makes its rows ([`identity`]).
    pub hash: String,
    pub kind: DatasetKind,
    /// What makes its rows, as hashed: recorded in the manifest.
    pub identity: serde_json::Value,
}

impl Dataset {
    fn new(name: OutputName, kind: DatasetKind, identity: serde_json::Value) -> Dataset {
        let hash = format!("{:x}", Sha256::digest(identity.to_string().as_bytes()));
        let dir = DatasetDir::new(&name, &hash);
        Dataset { name, dir, hash, kind, identity }
    }
}

/// A plugin entry's dataset: its rows are fixed by the component's bytes, the resolved
/// parameters, the timeframe and a warm-up the job sets instead of the plugin's.
pub fn plugin_dataset(
    name: OutputName,
    plugin: &Plugin,
    params: &[(String, ParamValue)],
    timeframe: Timeframe,
    warm_up_bars: Option<u32>,
) -> Dataset {
    let identity = serde_json::json!({
        "plugin": plugin.info().name,
        "plugin_version": plugin.info().version,
        "plugin_sha256": plugin.sha256(),
        "params": unit::params_json(params),
        "timeframe": timeframe.as_str(),
        "warm_up_bars": warm_up_bars,
    });
    Dataset::new(name, DatasetKind::Plugin(plugin.kind()), identity)
}

/// The joined feature table: its members (indices of the job's datasets) and, for each, the
/// joined table's name of each of its columns.
#[derive(Debug, Clone)]
pub struct Joined {
    pub dataset: Dataset,
    pub members: Vec<usize>,
    pub columns: Vec<Vec<String>>,
}

/// Joins the feature builders and cross-section plugins among `datasets` (with each one's
/// outputs, in order), whose rows are all the bars of the job's symbols in the window: a column
/// keeps its name unless another member has a column of that name, then it is
/// `<entry name>_<column>`. Names that still collide, or a job without feature builders, are an
/// error naming them.
pub fn joined(name: OutputName, datasets: &[Dataset], outputs: &[&[String]]) -> Result<Joined, String> {
    let members: Vec<usize> = (0..datasets.len())
        .filter(|&i| {
            matches!(
                datasets[i].kind,
                DatasetKind::Plugin(PluginKind::FeatureBuilder | PluginKind::CrossSection)
            )
        })
        .collect();
    if members.is_empty() {
        return Err(format!("joined: {name}: the job has no feature builder or cross-section to join"));
    }
    let shared = |column: &str, member: usize| {
        members.iter().any(|&other| other != member && outputs[other].iter().any(|c| c == column))
    };
    let columns: Vec<Vec<String>> = members
        .iter()
        .map(|&m| {
            outputs[m]
                .iter()
                .map(|c| if shared(c, m) { format!("{}_{c}", datasets[m].name) } else { c.clone() })
                .collect()
        })
        .collect();
    let mut seen: Vec<(&str, &OutputName)> = vec![("ts", &name)];
    for (&m, names) in members.iter().zip(&columns) {
        for column in names {
            if let Some((_, first)) = seen.iter().find(|(c, _)| *c == column) {
                return Err(format!(
                    "joined: {name}: column {column:?} of {} and of {first} (expected each column of the joined \
                     table once: give an entry another `name:`)",
                    datasets[m].name
                ));
            }
            seen.push((column, &datasets[m].name));
        }
    }
    let identity = serde_json::json!({
        "joined": members.iter().map(|&m| &datasets[m].hash).collect::<Vec<_>>(),
        "columns": columns,
    });
    Ok(Joined { dataset: Dataset::new(name, DatasetKind::Joined, identity), members, columns })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dataset(name: &str, kind: PluginKind) -> Dataset {
        Dataset::new(
            OutputName::new(name).unwrap(),
            DatasetKind::Plugin(kind),
            serde_json::json!({ "n": name }),
        )
    }

    #[test]
    fn a_dataset_folder_is_its_name_and_hash_and_the_hash_follows_its_identity() {
        let a = dataset("sma", PluginKind::FeatureBuilder);
        assert_eq!(a.dir.as_str(), format!("sma-{}", &a.hash[..8]));
        assert_eq!(a.hash.len(), 64);
        let same = dataset("sma", PluginKind::FeatureBuilder);
        assert_eq!(a.dir, same.dir, "the same identity, the same folder");
        let other = Dataset::new(
            OutputName::new("sma").unwrap(),
            DatasetKind::Plugin(PluginKind::FeatureBuilder),
            serde_json::json!({ "n": "sma", "params": { "period": 2 } }),
        );
        assert_ne!(a.dir, other.dir, "other parameters, another folder");
    }

    #[test]
    fn the_joined_table_prefixes_only_the_columns_that_collide() {
        let datasets = [
            dataset("ind", PluginKind::FeatureBuilder),
            dataset("ev", PluginKind::Sampler),
            dataset("z", PluginKind::FeatureBuilder),
            dataset("xs", PluginKind::CrossSection),
        ];
        let outputs: [Vec<String>; 4] = [
            vec!["sma".into(), "log_return".into()],
            vec!["label".into()],
            vec!["log_return".into(), "zscore".into()],
            vec!["rank".into(), "zscore".into()],
        ];
        let refs: Vec<&[String]> = outputs.iter().map(Vec::as_slice).collect();
        let joined = joined(OutputName::new("features").unwrap(), &datasets, &refs).unwrap();
        assert_eq!(joined.members, [0, 2, 3], "feature builders and cross-sections, not samplers");
        assert_eq!(
            joined.columns,
            [vec!["sma", "ind_log_return"], vec!["z_log_return", "z_zscore"], vec!["rank", "xs_zscore"]]
        );
        assert!(joined.dataset.dir.as_str().starts_with("features-"));
        assert_eq!(joined.dataset.kind, DatasetKind::Joined);
    }

    #[test]
    fn joined_names_that_still_collide_or_nothing_to_join_are_errors() {
        let datasets = [dataset("a", PluginKind::FeatureBuilder), dataset("b", PluginKind::FeatureBuilder)];
        let outputs: [Vec<String>; 2] = [vec!["x".into(), "b_x".into()], vec!["x".into()]];
        let refs: Vec<&[String]> = outputs.iter().map(Vec::as_slice).collect();
        let err = joined(OutputName::new("f").unwrap(), &datasets, &refs).unwrap_err();
        assert!(err.starts_with("joined: f: column \"b_x\" of b and of a"), "{err}");
        let samplers = [dataset("s", PluginKind::Sampler)];
        let outputs: [Vec<String>; 1] = [vec!["label".into()]];
        let refs: Vec<&[String]> = outputs.iter().map(Vec::as_slice).collect();
        let err = joined(OutputName::new("f").unwrap(), &samplers, &refs).unwrap_err();
        assert_eq!(err, "joined: f: the job has no feature builder or cross-section to join");
        let ts = [dataset("a", PluginKind::FeatureBuilder)];
        let outputs: [Vec<String>; 1] = [vec!["ts".into()]];
        let refs: Vec<&[String]> = outputs.iter().map(Vec::as_slice).collect();
        assert!(joined(OutputName::new("f").unwrap(), &ts, &refs).is_err(), "ts is the join key");
    }
}
