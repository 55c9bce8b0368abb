//! Files in the output folder that the run's manifest does not list: Parquet files of earlier
//! runs (other symbols, other parameters, the layout before datasets) and temporary files of runs
//! that died. They are reported; `--prune` removes them.

use std::collections::BTreeSet;
use std::path::Path;

use crate::output::is_temporary_file_name;

/// How deep a job's files lie under the output folder: `<dataset>/symbol=<s>/data.parquet`.
const DEPTH: usize = 3;

/// The Parquet and temporary files under `output` (at most [`DEPTH`] levels down, links not
/// followed) that `listed` does not name, as paths relative to `output` with `/`, sorted.
pub fn stale_files(output: &Path, listed: &BTreeSet<String>) -> std::io::Result<Vec<String>> {
    let mut found = Vec::new();
    walk(output, "", 1, &mut found)?;
    found.retain(|file| !listed.contains(file));
    found.sort();
    Ok(found)
}

fn walk(dir: &Path, prefix: &str, depth: usize, found: &mut Vec<String>) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(err),
    };
    for entry in entries {
        let entry = entry?;
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else { continue };
        let relative = format!("{prefix}{name}");
        let kind = entry.file_type()?;
        if kind.is_dir() && depth < DEPTH {
            walk(&entry.path(), &format!("{relative}/"), depth + 1, found)?;
        } else if kind.is_file() && depth > 1 && (name.ends_with(".parquet") || is_temporary_file_name(&name))
        {
            found.push(relative);
        }
    }
    Ok(())
}

/// Removes `files` (relative to `output`) and the folders they leave empty, up to `output`.
pub fn prune(output: &Path, files: &[String]) -> std::io::Result<()> {
    for file in files {
        let path = output.join(file);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(err),
        }
        let mut dir = path.parent();
        while let Some(d) = dir.filter(|d| *d != output && d.starts_with(output)) {
            // Not empty, or gone: stop climbing.
            if std::fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
    }
    Ok(())
}

/// Removes the temporary files under `output` of runs that died (any process id) whose path
/// (relative, with `/`) `mine` accepts: a run of the whole job all of them, a shard those of its
/// own symbols' folders only, never a write under way in another shard.
pub fn remove_temporaries_where(output: &Path, mine: impl Fn(&str) -> bool) -> std::io::Result<()> {
    let temporaries: Vec<String> = stale_files(output, &BTreeSet::new())?
        .into_iter()
        .filter(|f| f.rsplit('/').next().is_some_and(is_temporary_file_name) && mine(f))
        .collect();
    prune(output, &temporaries)
}

/// Whether `file` (relative to the output, `<dataset>/<partition>/<file>`) lies in one of the
/// symbol `partitions` (`symbol=…` folder names): a shard's own files.
pub fn in_partitions(file: &str, partitions: &BTreeSet<String>) -> bool {
    file.split('/').nth(1).is_some_and(|partition| partitions.contains(partition))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unlisted_parquet_and_temporary_files_are_stale_and_pruned_with_their_empty_folders() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        for file in [
            "ind-1/symbol=A/data.parquet",
            "ind-1/symbol=B/data.parquet",
            "ind-1/symbol=C/.data.parquet.tmp-77",
            "ind-0/symbol=A/data.parquet",
            "indicators/A.parquet",
            "notes/readme.txt",
            "manifest.json",
            "deep/er/than/three.parquet",
        ] {
            std::fs::create_dir_all(out.join(file).parent().unwrap()).unwrap();
            std::fs::write(out.join(file), b"x").unwrap();
        }
        let listed: BTreeSet<String> = ["ind-1/symbol=A/data.parquet".to_owned()].into();
        let stale = stale_files(out, &listed).unwrap();
        assert_eq!(
            stale,
            [
                "ind-0/symbol=A/data.parquet",
                "ind-1/symbol=B/data.parquet",
                "ind-1/symbol=C/.data.parquet.tmp-77",
                "indicators/A.parquet"
            ]
        );
        prune(out, &stale).unwrap();
        assert!(out.join("ind-1/symbol=A/data.parquet").exists());
        assert!(!out.join("ind-1/symbol=B").exists() && !out.join("ind-0").exists(), "empty folders go");
        assert!(!out.join("indicators").exists());
        assert!(out.join("notes/readme.txt").exists() && out.join("deep/er/than/three.parquet").exists());
        assert_eq!(stale_files(out, &listed).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn temporaries_of_dead_runs_are_removed_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        for file in ["d-1/symbol=A/.data.parquet.tmp-12", "d-1/symbol=A/data.parquet"] {
            std::fs::create_dir_all(out.join(file).parent().unwrap()).unwrap();
            std::fs::write(out.join(file), b"x").unwrap();
        }
        remove_temporaries_where(out, |_| true).unwrap();
        assert!(!out.join("d-1/symbol=A/.data.parquet.tmp-12").exists());
        assert!(out.join("d-1/symbol=A/data.parquet").exists());
    }

    #[test]
    fn a_shard_removes_only_the_temporaries_of_its_own_symbols() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        let files = ["d-1/symbol=A/.data.parquet.tmp-12", "d-1/symbol=B/.data.parquet.tmp-13"];
        for file in files {
            std::fs::create_dir_all(out.join(file).parent().unwrap()).unwrap();
            std::fs::write(out.join(file), b"x").unwrap();
        }
        let mine: BTreeSet<String> = ["symbol=A".to_owned()].into();
        remove_temporaries_where(out, |f| in_partitions(f, &mine)).unwrap();
        assert!(!out.join(files[0]).exists(), "its own symbol's");
        assert!(out.join(files[1]).exists(), "another shard's write under way");
    }
}
