//! One read per unit: a job's plugins run side by side over each symbol and share one read of its
//! own series. What each writes must be bit for bit what it writes alone (where it reads the
//! source itself), in Rust, Python and JavaScript, reading different fields and warm-ups.

mod support;

use std::path::{Path, PathBuf};

use support::{ParquetTable, plugin_wasm, read_parquet, repo_path, stderr, stdout};

/// The job's plugins: `indicators` (high, low, close; a long warm-up), `zscore` (close, volume),
/// `swings` (a sampler: high, low), and `planner` (close, no warm-up).
fn entries() -> Vec<(String, PathBuf)> {
    let planner = repo_path("target/hostile/planner.wasm");
    assert!(planner.exists(), "{} is missing: run scripts/build-hostile", planner.display());
    vec![
        ("indicators".to_owned(), plugin_wasm("indicators")),
        ("zscore".to_owned(), plugin_wasm("zscore")),
        ("swings".to_owned(), plugin_wasm("swings")),
        ("planner".to_owned(), planner),
    ]
}

/// Runs a job over the embedded sample (EURUSD 1h, two months of 2018) with `plugins`, in `dir`.
fn run(dir: &Path, plugins: &[(String, PathBuf)]) {
    let list: String = plugins
        .iter()
        .map(|(name, path)| format!("  - path: {}\n    name: {name}\n", path.display()))
        .collect();
    let job = dir.join("job.yaml");
    std::fs::write(
        &job,
        format!(
            "symbols: [EURUSD]\ntimeframe: 1h\nstart: 2018-05-01\nend: 2018-06-30T23:00:00Z\noutput: out\n\
             cache_dir: {}\nplugins:\n{list}",
            repo_path("target/test-cache/candlewick").display()
        ),
    )
    .unwrap();
    let output = support::candlewick()
        .args(["run", job.to_str().unwrap()])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}{}", stdout(&output), stderr(&output));
}

/// The one Parquet file of the entry `name` (its dataset folder is `out/<name>-<hash>/`).
fn output_of(dir: &Path, name: &str) -> ParquetTable {
    fn find(dir: &Path) -> Option<PathBuf> {
        for entry in std::fs::read_dir(dir).ok()?.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if let Some(found) = find(&path) {
                    return Some(found);
                }
            } else if path.extension().is_some_and(|e| e == "parquet") {
                return Some(path);
            }
        }
        None
    }
    let folder = std::fs::read_dir(dir.join("out"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.is_dir() && p.file_name().is_some_and(|f| f.to_string_lossy().starts_with(&format!("{name}-")))
        })
        .unwrap_or_else(|| panic!("no dataset of {name} under {}", dir.join("out").display()));
    read_parquet(&find(&folder).unwrap_or_else(|| panic!("no Parquet file under {}", folder.display())))
}

#[test]
fn plugins_sharing_a_read_write_what_each_writes_alone() {
    let plugins = entries();
    let together = tempfile::tempdir().unwrap();
    run(together.path(), &plugins);
    for plugin in &plugins {
        let alone = tempfile::tempdir().unwrap();
        run(alone.path(), std::slice::from_ref(plugin));
        let (shared, own) = (output_of(together.path(), &plugin.0), output_of(alone.path(), &plugin.0));
        assert!(!own.ts.is_empty(), "{}: rows", plugin.0);
        assert_eq!(shared.ts, own.ts, "{}: rows", plugin.0);
        assert_eq!(shared.ints, own.ints, "{}", plugin.0);
        assert_eq!(shared.floats.keys().collect::<Vec<_>>(), own.floats.keys().collect::<Vec<_>>());
        for (column, values) in &own.floats {
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&shared.floats[column]), bits(values), "{}: {column} bit for bit", plugin.0);
        }
    }
}
