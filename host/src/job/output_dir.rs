//! The output folder, checked before any unit runs: a path that is a file, a folder that cannot
//! be written, or a manifest of another job there is a one-line error, and nothing is touched.

use std::path::Path;

use super::config::Job;
use super::execute::job_record;
use super::manifest::Manifest;

/// Checks what is at the output path, without creating anything; returns the manifest of the
/// run before, when the folder has one of this job (`manifest_name`: `manifest.json`, or a
/// shard's `manifest-shard-I-of-N.json`).
pub fn check(job: &Job, manifest_name: &str) -> anyhow::Result<Option<Manifest>> {
    let output = &job.output;
    match std::fs::metadata(output) {
        Ok(meta) if !meta.is_dir() => anyhow::bail!(
            "output {}: is a file (expected a folder, or a path where one can be made)",
            output.display()
        ),
        Ok(_) => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => anyhow::bail!("output {}: {err}", output.display()),
    }
    let earlier = Manifest::read_named(output, manifest_name).map_err(|err| anyhow::anyhow!(err))?;
    if let Some(manifest) = &earlier {
        let this = job_record(job);
        if manifest.job.path != this.path {
            anyhow::bail!(
                "output {}: its manifest is of another job, {} (expected this job's own output folder: give \
                 this job another `output:` or --output, or remove the folder)",
                output.display(),
                manifest.job.path
            );
        }
    }
    Ok(earlier)
}

/// Makes the output folder and proves it writable, before any unit runs.
pub fn prepare(output: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(output)
        .map_err(|err| anyhow::anyhow!("output {}: cannot make the folder: {err}", output.display()))?;
    let probe = output.join(format!(".candlewick-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"")
        .map_err(|err| anyhow::anyhow!("output {}: cannot write in the folder: {err}", output.display()))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}
