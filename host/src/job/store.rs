//! Outputs in object storage: `output: s3://bucket/prefix` (S3 and S3-compatible servers such as
//! MinIO and SeaweedFS), `gs://bucket/prefix` (Google Cloud Storage) and `az://container/prefix`
//! (Azure Blob Storage), through the `object_store` crate. (`file:///path` is a local folder.)
//!
//! **Staging.** A job writes its files exactly as to a local folder, into a staging folder of its
//! own under the system's temporary folder (`$TMPDIR/candlewick-output-<pid>-<n>`, removed when
//! the run ends), and each file goes to the store under the same relative path once it is whole:
//! one PUT (a multipart upload past 32 MiB, which the store shows only once it completes), so a
//! reader never sees part of a file. A unit's file is removed from staging once uploaded, unless
//! the job joins (the joined table reads its members' files). A run killed outright leaves its
//! staging folder; the next run on the machine removes those of processes that are gone.
//!
//! **The commit protocol.** While a run goes on, its manifest is uploaded (overwritten) as
//! `_progress/<manifest name>` at most every [`PROGRESS_INTERVAL`], when it starts and when it
//! ends: a run that dies, or a retried pod, resumes from it. A run whose units all succeeded
//! commits its manifest as `<manifest name>` (`manifest.json`, or a shard's
//! `manifest-shard-I-of-N.json`) with a create-only put (`PutMode::Create`: S3's
//! `If-None-Match: *`, GCS's `ifGenerationMatch=0`, Azure's `If-None-Match: *`), after every
//! file it lists is uploaded. A committed manifest is never replaced: a second commit is refused
//! by the store, and then succeeds only if the manifest there lists the same job, datasets,
//! files and checksums (a pod that committed and was retried, two pods of one index at once);
//! otherwise the run fails, naming the manifest. A run onto an output whose manifest is
//! committed needs `--resume` (and then keeps every unit and finds the same commit there);
//! without it, it is a one-line error before any unit runs. A run with failed units commits
//! nothing: `--resume` runs those again and commits. A store without create-only puts (an S3
//! configured with `aws_conditional_put: disabled`) gets a plain put after a check that no
//! manifest is there, with a warning: two writers at the same instant could then both "win".
//!
//! **Before any unit runs** the output is listed and a probe object put and deleted: a refusal
//! (no such bucket, access denied) is a one-line error, exit 1; a store that does not answer or
//! answers 5xx is [`StoreUnavailable`], exit 75, for a scheduler to retry.
//!
//! **Credentials** come from the environment the store's client reads (`AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`, `AWS_ENDPOINT_URL`,
//! `AWS_ALLOW_HTTP`; `GOOGLE_*`; `AZURE_*`) or from the job file's `storage:` (the same names in
//! lower case, with `${VAR}`). They are never written to a log, an error, a manifest or a file:
//! messages from the store have every credential given replaced by `***`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::TryStreamExt;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::azure::{AzureConfigKey, MicrosoftAzureBuilder};
use object_store::buffered::BufWriter;
use object_store::gcp::{GoogleCloudStorageBuilder, GoogleConfigKey};
use object_store::path::Path as Key;
use object_store::{
    BackoffConfig, ClientConfigKey, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload, RetryConfig,
};
use tokio::io::AsyncWriteExt;

use super::manifest::{Manifest, RunStatus, UnitStatus};

/// The folder of the progress manifests, beside the committed ones. Readers (pyarrow, Spark)
/// skip names that start with `_`.
pub const PROGRESS_DIR: &str = "_progress";

/// The manifest is uploaded at most this often while units finish (and always at the start, at
/// the first unit's end and at the run's end): a pod killed outright loses at most this much of
/// its record, whose units run again on `--resume`. A PUT every 2 s is 1,800 an hour per process.
pub const PROGRESS_INTERVAL: Duration = Duration::from_secs(2);

/// How long connecting to the store may take (then a retry, then an error).
const CONNECT_TIMEOUT: &str = "5 seconds";

/// Files up to this size go in one PUT; larger ones in a multipart upload of parts this size.
const PART_BYTES: usize = 32 << 20;

/// Which service an output URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    S3,
    Gcs,
    Azure,
}

/// An output in object storage, as the job gives it: its URL and the options of `storage:`.
/// `Debug` shows the options' names, never their values.
#[derive(Clone, PartialEq, Eq)]
pub struct RemoteOutput {
    /// `scheme://bucket[/prefix]`, without a trailing `/`.
    url: String,
    service: Service,
    /// The prefix inside the bucket (`a/b`), or empty.
    prefix: String,
    /// `storage:`, by the client's key names (lower case).
    options: Vec<(String, String)>,
}

impl fmt::Debug for RemoteOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: Vec<&str> = self.options.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("RemoteOutput").field("url", &self.url).field("options", &keys).finish()
    }
}

/// What an output text is: a local folder, or an object store's URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputTarget {
    Local(PathBuf),
    Remote(RemoteOutput),
}

impl OutputTarget {
    /// `s3://…`, `s3a://…`, `gs://…`, `az://…`, `azure://…` are object stores; `file:///path` is
    /// the local folder `/path`; anything without `scheme://` is a local path, returned as given.
    /// Errors say what is wrong, never repeating a URL's user or password.
    pub fn parse(text: &str) -> Result<OutputTarget, String> {
        let Some((scheme, rest)) = text.split_once("://") else {
            return Ok(OutputTarget::Local(PathBuf::from(text)));
        };
        let is_scheme = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if !is_scheme {
            return Ok(OutputTarget::Local(PathBuf::from(text)));
        }
        let service = match scheme.to_ascii_lowercase().as_str() {
            "file" => {
                if !rest.starts_with('/') {
                    return Err(format!(
                        "{text:?}: a file URL names an absolute path (expected file:///absolute/path)"
                    ));
                }
                return Ok(OutputTarget::Local(PathBuf::from(rest)));
            }
            "s3" | "s3a" => Service::S3,
            "gs" => Service::Gcs,
            "az" | "azure" => Service::Azure,
            other => {
                return Err(format!(
                    "scheme {other}:// is not an output this host writes (expected s3://BUCKET/PREFIX, \
                     gs://BUCKET/PREFIX, az://CONTAINER/PREFIX, file:///PATH or a folder)"
                ));
            }
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.contains('@') || bucket.contains(':') {
            return Err(format!(
                "{scheme}:// URL with a user, password or port in it (expected {scheme}://BUCKET/PREFIX, \
                 with credentials in the environment or the job's storage:)"
            ));
        }
        if bucket.is_empty() {
            return Err(format!("{text:?}: no bucket (expected {scheme}://BUCKET/PREFIX)"));
        }
        let prefix = prefix.trim_end_matches('/');
        if !prefix.is_empty() {
            Key::parse(prefix).map_err(|_| {
                format!(
                    "{text:?}: the prefix has an empty, \".\" or \"..\" part (expected {scheme}://BUCKET/A/B)"
                )
            })?;
            if prefix.split('/').any(|part| part == "." || part == "..") {
                return Err(format!(
                    "{text:?}: the prefix has a \".\" or \"..\" part (expected {scheme}://BUCKET/A/B)"
                ));
            }
        }
        let url = if prefix.is_empty() {
            format!("{scheme}://{bucket}")
        } else {
            format!("{scheme}://{bucket}/{prefix}")
        };
        Ok(OutputTarget::Remote(RemoteOutput {
            url,
            service,
            prefix: prefix.to_owned(),
            options: Vec::new(),
        }))
    }
}

impl RemoteOutput {
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn service(&self) -> Service {
        self.service
    }

    /// The job file's `storage:` options, each checked to be one the service's client takes
    /// (errors name the key, never the value).
    pub fn with_options(mut self, options: BTreeMap<String, String>) -> Result<RemoteOutput, String> {
        for (key, value) in options {
            let known = match self.service {
                Service::S3 => key.parse::<AmazonS3ConfigKey>().is_ok(),
                Service::Gcs => key.parse::<GoogleConfigKey>().is_ok(),
                Service::Azure => key.parse::<AzureConfigKey>().is_ok(),
            };
            if !known {
                return Err(format!(
                    "storage.{key}: not an option of the {} client (expected one of object_store's {} names, \
                     such as {})",
                    self.service.name(),
                    self.service.config_type(),
                    self.service.examples()
                ));
            }
            self.options.push((key, value));
        }
        Ok(self)
    }
}

impl Service {
    fn name(self) -> &'static str {
        match self {
            Service::S3 => "S3",
            Service::Gcs => "Google Cloud Storage",
            Service::Azure => "Azure Blob Storage",
        }
    }

    /// What the service calls the place objects are kept.
    fn bucket(self) -> &'static str {
        match self {
            Service::S3 | Service::Gcs => "bucket",
            Service::Azure => "container",
        }
    }

    fn config_type(self) -> &'static str {
        match self {
            Service::S3 => "AmazonS3ConfigKey",
            Service::Gcs => "GoogleConfigKey",
            Service::Azure => "AzureConfigKey",
        }
    }

    fn examples(self) -> &'static str {
        match self {
            Service::S3 => {
                "aws_access_key_id, aws_secret_access_key, aws_session_token, aws_region, aws_endpoint, aws_allow_http"
            }
            Service::Gcs => {
                "google_service_account, google_service_account_key, google_application_credentials"
            }
            Service::Azure => "azure_storage_account_name, azure_storage_account_key, azure_storage_sas_key",
        }
    }

    /// The environment variables its client reads (as `from_env` does).
    fn env_prefix(self) -> &'static str {
        match self {
            Service::S3 => "AWS_",
            Service::Gcs => "GOOGLE_",
            Service::Azure => "AZURE_",
        }
    }
}

/// Whether an option's value is a secret to keep out of every message.
fn is_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["key", "secret", "token", "password", "sas", "credential", "service_account"]
        .iter()
        .any(|word| key.contains(word))
        && !key.contains("endpoint")
}

/// A store that did not answer (a refused or lost connection, a timeout, a 5xx): a failure that
/// may pass, which `candlewick run` exits 75 for (`EX_TEMPFAIL`), so that a scheduler retries.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StoreUnavailable(pub String);

/// Whether a store's error may pass on a retry: no answer at all, or a server error (5xx); not a
/// refusal (4xx: no such bucket, access denied, a bad signature) or a missing object.
fn is_transient(err: &object_store::Error) -> bool {
    match err {
        object_store::Error::Generic { .. } => {
            let text = one_line(err);
            !text.contains("status code: 4")
        }
        _ => false,
    }
}

/// `message` as an error, typed [`StoreUnavailable`] when `err` may pass.
fn store_error(err: &object_store::Error, message: String) -> anyhow::Error {
    if is_transient(err) { anyhow::Error::new(StoreUnavailable(message)) } else { anyhow::anyhow!(message) }
}

/// A live output in object storage: its client, its staging folder, and what it uploaded.
pub(crate) struct ObjectOutput {
    remote: RemoteOutput,
    store: Arc<dyn ObjectStore>,
    runtime: tokio::runtime::Runtime,
    staging: PathBuf,
    /// Values to replace by `***` in every message.
    secrets: Vec<String>,
    /// Keep a unit's file in staging after its upload (the joined table reads it).
    keep_files: bool,
    last_progress: Mutex<Option<Instant>>,
    /// Requests that failed for a reason that may pass ([`is_transient`]): a run whose units or
    /// commit failed beside one exits 75, to be retried, rather than 2.
    unavailable: AtomicU64,
}

impl fmt::Debug for ObjectOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectOutput").field("url", &self.remote.url).field("staging", &self.staging).finish()
    }
}

impl Drop for ObjectOutput {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.staging);
    }
}

/// The staging folders' names: this, the process id, `-`, a number.
const STAGING_PREFIX: &str = "candlewick-output-";

/// Removes the staging folders in `dir` of processes that are gone (a run killed outright leaves
/// its own): a process is there while `/proc/<pid>` is. Where there is no `/proc`, nothing goes.
fn remove_dead_stagings(dir: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix(STAGING_PREFIX)?.split('-').next()) else {
            continue;
        };
        let alive = pid.parse::<u32>().map(|pid| Path::new(&format!("/proc/{pid}")).exists());
        if alive == Ok(false) && entry.file_type().is_ok_and(|t| t.is_dir()) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// A staging folder's number within this process.
static STAGING: AtomicU64 = AtomicU64::new(0);

impl ObjectOutput {
    /// The client of `remote` (no request yet) and a new, empty staging folder.
    pub fn open(remote: &RemoteOutput, keep_files: bool) -> anyhow::Result<ObjectOutput> {
        let env: Vec<(String, String)> =
            std::env::vars().filter(|(k, _)| k.starts_with(remote.service.env_prefix())).collect();
        let mut secrets: Vec<String> = env
            .iter()
            .chain(&remote.options)
            .filter(|(k, v)| is_secret(k) && v.len() >= 4)
            .map(|(_, v)| v.clone())
            .collect();
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        // Three quick retries: an unreachable store is an error in about a second, not minutes.
        let retry = RetryConfig {
            backoff: BackoffConfig::default(),
            max_retries: 3,
            retry_timeout: Duration::from_secs(30),
        };
        // The client cannot be made: its configuration is missing something (an account, a
        // region, credentials), which the environment or the job's `storage:` gives.
        let failed = |err: object_store::Error| {
            anyhow::anyhow!(
                "output {}: {} (expected the {} client's settings from the environment ({}*) or the job's \
                 storage: keys such as {})",
                remote.url,
                scrub(&one_line(&err), &secrets),
                remote.service.name(),
                remote.service.env_prefix(),
                remote.service.examples()
            )
        };
        let store: Arc<dyn ObjectStore> = match remote.service {
            Service::S3 => {
                let mut builder = AmazonS3Builder::new()
                    .with_config(AmazonS3ConfigKey::Client(ClientConfigKey::ConnectTimeout), CONNECT_TIMEOUT);
                for (key, value) in env.iter().chain(&remote.options) {
                    if let Ok(key) = key.to_ascii_lowercase().parse::<AmazonS3ConfigKey>() {
                        builder = builder.with_config(key, value);
                    }
                }
                Arc::new(builder.with_url(&remote.url).with_retry(retry).build().map_err(failed)?)
            }
            Service::Gcs => {
                let mut builder = GoogleCloudStorageBuilder::new()
                    .with_config(GoogleConfigKey::Client(ClientConfigKey::ConnectTimeout), CONNECT_TIMEOUT);
                for (key, value) in env.iter().chain(&remote.options) {
                    if let Ok(key) = key.to_ascii_lowercase().parse::<GoogleConfigKey>() {
                        builder = builder.with_config(key, value);
                    }
                }
                Arc::new(builder.with_url(&remote.url).with_retry(retry).build().map_err(failed)?)
            }
            Service::Azure => {
                let mut builder = MicrosoftAzureBuilder::new()
                    .with_config(AzureConfigKey::Client(ClientConfigKey::ConnectTimeout), CONNECT_TIMEOUT);
                for (key, value) in env.iter().chain(&remote.options) {
                    if let Ok(key) = key.to_ascii_lowercase().parse::<AzureConfigKey>() {
                        builder = builder.with_config(key, value);
                    }
                }
                Arc::new(builder.with_url(&remote.url).with_retry(retry).build().map_err(failed)?)
            }
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("candlewick-store")
            .enable_all()
            .build()
            .map_err(|err| anyhow::anyhow!("output {}: starting the store's client: {err}", remote.url))?;
        remove_dead_stagings(&std::env::temp_dir());
        let staging = std::env::temp_dir().join(format!(
            "{STAGING_PREFIX}{}-{}",
            std::process::id(),
            STAGING.fetch_add(1, Ordering::SeqCst)
        ));
        // A folder of its own (not one that is there: a link left by someone else is removed,
        // not followed), readable by this user only.
        let _ = std::fs::remove_dir_all(&staging);
        std::os::unix::fs::DirBuilderExt::mode(&mut std::fs::DirBuilder::new(), 0o700)
            .create(&staging)
            .map_err(|err| {
                anyhow::anyhow!(
                    "output {}: making the staging folder {}: {err}",
                    remote.url,
                    staging.display()
                )
            })?;
        Ok(ObjectOutput {
            remote: remote.clone(),
            store,
            runtime,
            staging,
            secrets,
            keep_files,
            last_progress: Mutex::new(None),
            unavailable: AtomicU64::new(0),
        })
    }

    /// The local folder the run writes to before each file is uploaded.
    pub fn staging(&self) -> &Path {
        &self.staging
    }

    /// `rel` (with `/`) as the URL a reader opens.
    pub fn url_of(&self, rel: &str) -> String {
        format!("{}/{rel}", self.remote.url)
    }

    /// A staging path as the URL of its object; other paths as they are.
    pub fn display_path(&self, path: &Path) -> PathBuf {
        match self.relative(path) {
            Some(rel) => PathBuf::from(self.url_of(&rel)),
            None => path.to_owned(),
        }
    }

    /// A message with the staging folder's name replaced by the URL.
    pub fn rename_in(&self, message: &str) -> String {
        message.replace(&self.staging.display().to_string(), &self.remote.url)
    }

    fn relative(&self, path: &Path) -> Option<String> {
        let rel = path.strip_prefix(&self.staging).ok()?;
        Some(rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/"))
    }

    fn key(&self, rel: &str) -> Result<Key, String> {
        let full = if self.remote.prefix.is_empty() {
            rel.to_owned()
        } else {
            format!("{}/{rel}", self.remote.prefix)
        };
        Key::parse(&full).map_err(|err| format!("{}: {err}", self.url_of(rel)))
    }

    /// The output's prefix as a key, or none for a whole bucket.
    fn prefix_key(&self) -> Result<Option<Key>, String> {
        if self.remote.prefix.is_empty() {
            return Ok(None);
        }
        Key::parse(&self.remote.prefix).map(Some).map_err(|err| format!("{}: {err}", self.remote.url))
    }

    /// The store's error as one line, about `rel`, without a credential.
    fn error(&self, doing: &str, rel: &str, err: &object_store::Error) -> String {
        if is_transient(err) {
            self.unavailable.fetch_add(1, Ordering::Relaxed);
        }
        format!("{doing} {}: {}", self.url_of(rel), scrub(&one_line(err), &self.secrets))
    }

    /// Before any unit runs: the store answers (a listing of the output), this run's manifest is
    /// not committed (unless `resume`, and then by a run of the same job file, `job_sha256`), and
    /// the credentials may write (a probe object, put and deleted). Then every manifest there is
    /// copied into staging — the committed ones, and the progress of those not committed — for
    /// the run's checks and `--resume`.
    pub fn check(&self, manifest_name: &str, resume: bool, job_sha256: &str) -> anyhow::Result<()> {
        let url = &self.remote.url;
        let root = self.list_root()?;
        if root.contains(manifest_name) && !resume {
            anyhow::bail!(
                "output {url}: {manifest_name} is committed by an earlier run and a committed manifest is never \
                 replaced (expected --resume to keep its units, another output, or the manifest deleted)"
            );
        }
        let probe = format!("{PROGRESS_DIR}/.write-test-{}-{}", std::process::id(), nanos());
        let key = self.key(&probe).map_err(|err| anyhow::anyhow!(err))?;
        self.runtime.block_on(self.store.put(&key, PutPayload::from_static(b""))).map_err(|err| {
            let message = format!(
                "output {url}: cannot write: {} (expected a {} these credentials may write to)",
                scrub(&one_line(&err), &self.secrets),
                self.remote.service.bucket()
            );
            store_error(&err, message)
        })?;
        let _ = self.runtime.block_on(self.store.delete(&key));
        self.copy_manifests(&root)?;
        if root.contains(manifest_name) {
            // --resume onto a commit: only of this very job file, which may then find it the same.
            let text = std::fs::read_to_string(self.staging.join(manifest_name)).unwrap_or_default();
            let theirs = serde_json::from_str::<serde_json::Value>(&text).ok();
            let sha = theirs.as_ref().and_then(|m| m["job"]["sha256"].as_str()).unwrap_or("?");
            if sha != job_sha256 {
                anyhow::bail!(
                    "output {url}: {manifest_name} is committed by a run of another job file (sha256 {}…, this \
                     one's {}…) and a committed manifest is never replaced (expected another output, or the \
                     manifest deleted)",
                    sha.get(..12).unwrap_or(sha),
                    job_sha256.get(..12).unwrap_or(job_sha256)
                );
            }
        }
        Ok(())
    }

    /// The names of the objects directly under the output (a first request: one that fails says
    /// the store or the bucket cannot be reached).
    fn list_root(&self) -> anyhow::Result<BTreeSet<String>> {
        self.list_names("").map_err(|(err, transient)| {
            let message = format!(
                "output {}: cannot list it: {err} (expected a store that answers, and a {} there that \
                 these credentials may read)",
                self.remote.url,
                self.remote.service.bucket()
            );
            if transient { anyhow::Error::new(StoreUnavailable(message)) } else { anyhow::anyhow!(message) }
        })
    }

    /// Copies every manifest under the output into staging: the committed ones (`root`, the
    /// names at the output's top), and the progress record of each shard that has not committed.
    fn copy_manifests(&self, root: &BTreeSet<String>) -> anyhow::Result<()> {
        let url = &self.remote.url;
        let is_manifest = |name: &str| {
            name == super::manifest::MANIFEST_FILE || super::shard::Shard::of_manifest_file(name).is_some()
        };
        let progress =
            self.list_names(PROGRESS_DIR).map_err(|(err, _)| anyhow::anyhow!("output {url}: {err}"))?;
        for name in root.iter().filter(|n| is_manifest(n)) {
            self.download(name, &self.staging.join(name))
                .map_err(|err| anyhow::anyhow!("output {url}: {err}"))?;
        }
        for name in progress.iter().filter(|n| is_manifest(n) && !root.contains(*n)) {
            self.download(&format!("{PROGRESS_DIR}/{name}"), &self.staging.join(name))
                .map_err(|err| anyhow::anyhow!("output {url}: {err}"))?;
        }
        Ok(())
    }

    /// For `--resume`: copies into staging the files `earlier` lists as written in `dirs` (the
    /// run's dataset folders), so that each is checked against its recorded sha256 as a local
    /// file would be. A file missing from the store is left out (its unit runs again).
    pub fn fetch_for_resume(&self, earlier: &Manifest, dirs: &BTreeSet<String>) -> anyhow::Result<()> {
        for unit in earlier.units.iter().filter(|u| u.status == UnitStatus::Ok) {
            let Some(file) = &unit.file else { continue };
            if !file.split('/').next().is_some_and(|dir| dirs.contains(dir)) {
                continue;
            }
            let local = self.staging.join(file);
            if local.exists() {
                continue;
            }
            if let Err(err) = self.download(file, &local) {
                tracing::warn!(file = %self.url_of(file), error = %err, "--resume: not kept, runs again");
            }
        }
        Ok(())
    }

    /// Names (not paths) of the objects directly under `dir` (relative, `""` for the output).
    /// The error says whether it may pass ([`is_transient`]).
    fn list_names(&self, dir: &str) -> Result<BTreeSet<String>, (String, bool)> {
        let key = if dir.is_empty() { self.prefix_key() } else { self.key(dir).map(Some) };
        let key = key.map_err(|err| (err, false))?;
        let listing = self
            .runtime
            .block_on(self.store.list_with_delimiter(key.as_ref()))
            .map_err(|err| (scrub(&one_line(&err), &self.secrets), is_transient(&err)))?;
        Ok(listing.objects.iter().filter_map(|o| o.location.filename().map(str::to_owned)).collect())
    }

    /// Copies `rel` into `local` (its folders made).
    fn download(&self, rel: &str, local: &Path) -> Result<(), String> {
        let key = self.key(rel)?;
        let bytes = self
            .runtime
            .block_on(async { self.store.get(&key).await?.bytes().await })
            .map_err(|err| self.error("reading", rel, &err))?;
        if let Some(dir) = local.parent() {
            std::fs::create_dir_all(dir).map_err(|err| format!("{}: {err}", dir.display()))?;
        }
        std::fs::write(local, &bytes).map_err(|err| format!("{}: {err}", local.display()))
    }

    /// Uploads the staging file `local` whole to its place in the store.
    fn upload(&self, local: &Path, rel: &str) -> Result<(), String> {
        let key = self.key(rel)?;
        let io = |err: std::io::Error| {
            format!("uploading {}: reading {}: {err}", self.url_of(rel), local.display())
        };
        self.runtime.block_on(async {
            let mut file = tokio::fs::File::open(local).await.map_err(io)?;
            let mut writer = BufWriter::with_capacity(Arc::clone(&self.store), key, PART_BYTES);
            let copied = tokio::io::copy(&mut file, &mut writer).await;
            let closed = match copied {
                Ok(_) => writer.shutdown().await,
                Err(err) => {
                    let _ = writer.abort().await;
                    return Err(io(err));
                }
            };
            closed.map_err(|err| {
                // The client's error inside the writer's, when it was the store that failed.
                let store = err.get_ref().and_then(|e| e.downcast_ref::<object_store::Error>());
                if store.is_some_and(is_transient) {
                    self.unavailable.fetch_add(1, Ordering::Relaxed);
                }
                format!("uploading {}: {}", self.url_of(rel), scrub(&one_line(&err), &self.secrets))
            })
        })
    }

    /// Requests that failed for a reason that may pass, so far.
    pub fn unavailable(&self) -> u64 {
        self.unavailable.load(Ordering::Relaxed)
    }

    /// Uploads this run's manifest `name` (written in staging) as its progress record: when
    /// `force`, or when the last was [`PROGRESS_INTERVAL`] ago. A failure is a warning: the run
    /// goes on, and only a later `--resume` would miss the record.
    pub fn progress(&self, name: &str, force: bool) {
        if !force {
            let mut last = self.last_progress.lock().expect("no panic holding it");
            if last.is_some_and(|t| t.elapsed() < PROGRESS_INTERVAL) {
                return;
            }
            *last = Some(Instant::now());
        }
        let rel = format!("{PROGRESS_DIR}/{name}");
        if let Err(err) = self.upload(&self.staging.join(name), &rel) {
            tracing::warn!(error = %err, "uploading the manifest's progress failed");
        }
    }

    /// The run's end: `manifest` (written in staging as `name`) is committed when every unit
    /// succeeded, else uploaded as progress. The URL of what was written, or why it was not.
    pub fn publish(&self, name: &str, manifest: &Manifest) -> Result<String, String> {
        let all_ok = manifest.status == RunStatus::Complete
            && manifest.units.iter().all(|u| matches!(u.status, UnitStatus::Ok | UnitStatus::Empty));
        self.progress(name, true);
        if !all_ok {
            return Ok(self.url_of(&format!("{PROGRESS_DIR}/{name}")));
        }
        self.commit(name, manifest)?;
        Ok(self.url_of(name))
    }

    /// The create-only put of the commit protocol (see the module's doc).
    fn commit(&self, name: &str, manifest: &Manifest) -> Result<(), String> {
        let key = self.key(name)?;
        let local = self.staging.join(name);
        let bytes = std::fs::read(&local).map_err(|err| format!("reading {}: {err}", local.display()))?;
        let put = |mode: PutMode| {
            self.runtime.block_on(self.store.put_opts(
                &key,
                PutPayload::from(Bytes::from(bytes.clone())),
                PutOptions::from(mode),
            ))
        };
        match put(PutMode::Create) {
            Ok(_) => return Ok(()),
            Err(object_store::Error::AlreadyExists { .. }) => {}
            Err(object_store::Error::NotImplemented { .. } | object_store::Error::NotSupported { .. }) => {
                tracing::warn!(
                    output = %self.remote.url,
                    "the store takes no create-only put: the manifest is committed by a check, then a put"
                );
                match self.runtime.block_on(self.store.head(&key)) {
                    Err(object_store::Error::NotFound { .. }) => {
                        return put(PutMode::Overwrite)
                            .map(|_| ())
                            .map_err(|err| self.error("committing", name, &err));
                    }
                    Ok(_) => {}
                    Err(err) => return Err(self.error("committing", name, &err)),
                }
            }
            Err(err) => return Err(self.error("committing", name, &err)),
        }
        // Committed already: by this run's own request retried, by a retried pod, or by another run.
        let there = self.staging.join(format!(".{name}.committed"));
        self.download(name, &there)?;
        let theirs = std::fs::read_to_string(&there).map_err(|err| format!("{}: {err}", there.display()))?;
        let _ = std::fs::remove_file(&there);
        match serde_json::from_str::<Manifest>(&theirs) {
            Ok(theirs) if same_commit(&theirs, manifest) => {
                tracing::info!(manifest = %self.url_of(name), "already committed with the same files");
                Ok(())
            }
            _ => Err(format!(
                "{}: committed by another run meanwhile, with other files (this run's files are uploaded; its \
                 manifest is {}; a committed manifest is never replaced)",
                self.url_of(name),
                self.url_of(&format!("{PROGRESS_DIR}/{name}"))
            )),
        }
    }

    /// The Parquet files under the output (`<dataset>/<partition>/<file>`) that `listed` does not
    /// name, relative, sorted: what [`super::stale::stale_files`] finds in a local folder.
    pub fn stale_files(&self, listed: &BTreeSet<String>) -> Result<Vec<String>, String> {
        let prefix = self.prefix_key()?;
        let objects: Vec<object_store::ObjectMeta> = self
            .runtime
            .block_on(self.store.list(prefix.as_ref()).try_collect())
            .map_err(|err| self.error("listing", "", &err))?;
        let skip = if self.remote.prefix.is_empty() { 0 } else { self.remote.prefix.split('/').count() };
        let mut stale: Vec<String> = objects
            .iter()
            .map(|o| o.location.parts().skip(skip).map(|p| p.as_ref().to_owned()).collect::<Vec<_>>())
            .filter(|parts| (2..=3).contains(&parts.len()) && parts[0] != PROGRESS_DIR)
            .filter(|parts| parts.last().is_some_and(|n| n.ends_with(".parquet")))
            .map(|parts| parts.join("/"))
            .filter(|rel| !listed.contains(rel))
            .collect();
        stale.sort();
        Ok(stale)
    }

    /// Deletes `files` (relative) from the store.
    pub fn delete(&self, files: &[String]) -> Result<(), String> {
        for rel in files {
            let key = self.key(rel)?;
            match self.runtime.block_on(self.store.delete(&key)) {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(err) => return Err(self.error("deleting", rel, &err)),
            }
        }
        Ok(())
    }
}

/// For `candlewick status URL`: the manifests of an output in object storage (the committed
/// ones, and the progress of the shards that have not committed) copied into a folder that lives
/// as long as the value returned; `None` when `text` is not an object store's URL.
pub(crate) fn fetch_manifests(text: &str) -> anyhow::Result<Option<ObjectOutput>> {
    let remote = match OutputTarget::parse(text).map_err(anyhow::Error::msg)? {
        OutputTarget::Remote(remote) => remote,
        OutputTarget::Local(_) => return Ok(None),
    };
    let store = ObjectOutput::open(&remote, false)?;
    let root = store.list_root()?;
    store.copy_manifests(&root)?;
    Ok(Some(store))
}

/// For `candlewick report URL`: [`fetch_manifests`], and every file the manifests list as
/// written, copied into the same folder, so that the output reads as a local one. A listed file
/// the store does not have is left out (the report names it as missing).
pub(crate) fn fetch_output(text: &str) -> anyhow::Result<Option<ObjectOutput>> {
    let Some(store) = fetch_manifests(text)? else { return Ok(None) };
    let manifests = Manifest::read_all(store.staging()).map_err(anyhow::Error::msg)?;
    for (_, manifest) in &manifests {
        for file in manifest.units.iter().filter_map(|unit| unit.file.as_ref()) {
            let local = store.staging.join(file);
            if local.exists() {
                continue;
            }
            if let Err(err) = store.download(file, &local) {
                tracing::warn!(file = %store.url_of(file), error = %err, "not fetched");
            }
        }
    }
    Ok(Some(store))
}

impl crate::output::Publish for ObjectOutput {
    fn publish(&self, path: &Path) -> Result<(), String> {
        let rel =
            self.relative(path).ok_or_else(|| format!("{} is not in the staging folder", path.display()))?;
        self.upload(path, &rel)?;
        if !self.keep_files {
            let _ = std::fs::remove_file(path);
        }
        Ok(())
    }
}

/// Whether two committed manifests are one commit: the same job file, datasets and units, each
/// unit with the same status, file and checksum (times, `resumed` and seconds apart).
fn same_commit(a: &Manifest, b: &Manifest) -> bool {
    let units = |m: &Manifest| {
        m.units
            .iter()
            .map(|u| (u.dataset.clone(), u.symbol.clone(), u.status, u.file.clone(), u.sha256.clone()))
            .collect::<Vec<_>>()
    };
    let datasets = |m: &Manifest| {
        m.datasets.iter().map(|(k, v)| (k.clone(), v.get("hash").cloned())).collect::<Vec<_>>()
    };
    a.status == b.status
        && a.job.sha256 == b.job.sha256
        && a.window == b.window
        && a.as_of == b.as_of
        && units(a) == units(b)
        && datasets(a) == datasets(b)
}

fn nanos() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos())
}

/// The error and its sources on one line; an S3 error document as its code and message.
fn one_line(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    condense(&text)
}

/// Whitespace runs as one space; an XML error document (`<Error><Code>…</Code><Message>…`) as
/// `Code: Message`, without the rest (request ids, string-to-sign).
fn condense(text: &str) -> String {
    let tag = |name: &str| {
        let open = format!("<{name}>");
        let start = text.find(&open)? + open.len();
        let end = text[start..].find(&format!("</{name}>"))? + start;
        Some(text[start..end].to_owned())
    };
    let text = match (text.find("<?xml").or_else(|| text.find("<Error>")), tag("Code")) {
        (Some(at), Some(code)) => {
            let message = tag("Message").map(|m| format!(": {m}")).unwrap_or_default();
            format!("{}{code}{message}", &text[..at])
        }
        _ => text.to_owned(),
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` with every secret replaced by `***`.
fn scrub(text: &str, secrets: &[String]) -> String {
    secrets.iter().fold(text.to_owned(), |text, secret| text.replace(secret.as_str(), "***"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remote(text: &str) -> RemoteOutput {
        match OutputTarget::parse(text).unwrap() {
            OutputTarget::Remote(r) => r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn output_texts_are_folders_files_or_object_stores() {
        assert_eq!(OutputTarget::parse("out/fx").unwrap(), OutputTarget::Local("out/fx".into()));
        assert_eq!(OutputTarget::parse("file:///data/out").unwrap(), OutputTarget::Local("/data/out".into()));
        let r = remote("s3://bucket/a/b/");
        assert_eq!((r.url(), r.prefix.as_str(), r.service()), ("s3://bucket/a/b", "a/b", Service::S3));
        assert_eq!(remote("gs://b").prefix, "");
        assert_eq!(remote("az://container/p").service(), Service::Azure);
        for (text, expected) in [
            ("http://host/x", "scheme http:// is not an output"),
            ("s3://", "no bucket"),
            ("s3://b/a//c", "an empty"),
            ("s3://b/a/../c", "\"..\""),
            ("file://relative", "absolute path"),
        ] {
            let err = OutputTarget::parse(text).unwrap_err();
            assert!(err.contains(expected), "{text}: {err}");
        }
        let err = OutputTarget::parse("s3://AKIAUSER:hunter2secret@bucket/p").unwrap_err();
        assert!(!err.contains("hunter2secret") && !err.contains("AKIAUSER"), "{err}");
    }

    #[test]
    fn options_are_checked_by_name_and_debug_shows_no_value() {
        let mut options = BTreeMap::new();
        options.insert("aws_secret_access_key".to_owned(), "s3cr3t-value".to_owned());
        options.insert("aws_endpoint".to_owned(), "http://127.0.0.1:1".to_owned());
        let r = remote("s3://b/p").with_options(options).unwrap();
        let debug = format!("{r:?}");
        assert!(debug.contains("aws_secret_access_key") && !debug.contains("s3cr3t-value"), "{debug}");
        let mut bad = BTreeMap::new();
        bad.insert("aws_secret_acces_key".to_owned(), "s3cr3t-value".to_owned());
        let err = remote("s3://b/p").with_options(bad).unwrap_err();
        assert!(err.starts_with("storage.aws_secret_acces_key: not an option of the S3 client"), "{err}");
        assert!(!err.contains("s3cr3t-value"));
    }

    #[test]
    fn staging_folders_of_gone_processes_are_removed_and_no_other() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join(format!("{STAGING_PREFIX}{}-0", u32::MAX - 7));
        let mine = dir.path().join(format!("{STAGING_PREFIX}{}-3", std::process::id()));
        let other = dir.path().join("candlewick-output-notes");
        for folder in [&gone, &mine, &other] {
            std::fs::create_dir_all(folder.join("d")).unwrap();
        }
        remove_dead_stagings(dir.path());
        assert!(!gone.exists(), "a gone process's staging is removed");
        assert!(mine.exists() && other.exists());
    }

    #[test]
    fn store_messages_are_one_line_without_the_error_document_or_secrets() {
        let text = "Error performing PUT http://h/b/k - 403 Forbidden: <?xml version=\"1.0\"?>\n<Error><Code>\
                    SignatureDoesNotMatch</Code><Message>No.</Message><AWSAccessKeyId>AKIAEXAMPLE</AWSAccessKeyId>\
                    <StringToSign>x</StringToSign></Error>";
        assert_eq!(
            condense(text),
            "Error performing PUT http://h/b/k - 403 Forbidden: SignatureDoesNotMatch: No."
        );
        assert_eq!(scrub("key AKIAEXAMPLE here", &["AKIAEXAMPLE".to_owned()]), "key *** here");
        assert!(
            is_secret("aws_secret_access_key")
                && is_secret("AWS_ACCESS_KEY_ID")
                && is_secret("aws_session_token")
        );
        assert!(!is_secret("aws_endpoint") && !is_secret("aws_region") && !is_secret("aws_allow_http"));
    }
}
