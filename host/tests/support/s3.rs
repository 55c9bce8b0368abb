#![allow(dead_code, reason = "each test binary that includes this module uses a different part of it")]

//! The S3-compatible server of the object-storage tests: the SeaweedFS `scripts/test` starts
//! (`scripts/lib/seaweedfs.sh`), named by `CANDLEWICK_TEST_S3_*`. A test that cannot reach it
//! fails, naming what is missing: a test never skips.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use object_store::aws::AmazonS3Builder;
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A prefix no other test (or run) uses: `name`, the process, a count and the clock's nanoseconds.
pub fn unique_prefix(name: &str) -> String {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("{name}-{}-{}-{nanos}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// The test server and its two identities.
#[derive(Debug, Clone)]
pub struct S3 {
    pub endpoint: String,
    pub bucket: String,
    pub access_key: String,
    pub secret_key: String,
    pub read_access_key: String,
    pub read_secret_key: String,
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: the object-storage tests need the S3 server scripts/test starts \
             (scripts/lib/seaweedfs.sh starts one by itself and prints the variables)"
        )
    })
}

impl S3 {
    /// The server `scripts/test` started. Panics when it is not there.
    pub fn new() -> S3 {
        S3 {
            endpoint: var("CANDLEWICK_TEST_S3_ENDPOINT"),
            bucket: var("CANDLEWICK_TEST_S3_BUCKET"),
            access_key: var("CANDLEWICK_TEST_S3_ACCESS_KEY"),
            secret_key: var("CANDLEWICK_TEST_S3_SECRET_KEY"),
            read_access_key: var("CANDLEWICK_TEST_S3_READ_ACCESS_KEY"),
            read_secret_key: var("CANDLEWICK_TEST_S3_READ_SECRET_KEY"),
        }
    }

    /// A prefix no other test (or run) uses.
    pub fn prefix(&self, name: &str) -> String {
        unique_prefix(name)
    }

    /// `s3://<bucket>/<prefix>`.
    pub fn url(&self, prefix: &str) -> String {
        format!("s3://{}/{prefix}", self.bucket)
    }

    /// The environment a job reads the writer's credentials from, as a pod would have it.
    pub fn writer_env<'c>(&self, command: &'c mut Command) -> &'c mut Command {
        self.env(command, &self.access_key, &self.secret_key)
    }

    /// The same with the identity that may only read.
    pub fn reader_env<'c>(&self, command: &'c mut Command) -> &'c mut Command {
        self.env(command, &self.read_access_key, &self.read_secret_key)
    }

    fn env<'c>(&self, command: &'c mut Command, access: &str, secret: &str) -> &'c mut Command {
        command
            .env("AWS_ACCESS_KEY_ID", access)
            .env("AWS_SECRET_ACCESS_KEY", secret)
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ALLOW_HTTP", "true")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_PROFILE")
    }

    fn store(&self) -> Arc<dyn ObjectStore> {
        Arc::new(
            AmazonS3Builder::new()
                .with_bucket_name(&self.bucket)
                .with_endpoint(&self.endpoint)
                .with_region("us-east-1")
                .with_access_key_id(&self.access_key)
                .with_secret_access_key(&self.secret_key)
                .with_allow_http(true)
                .build()
                .expect("an S3 client for the test server"),
        )
    }

    /// The bucket's client, as the tests read and write it directly.
    pub fn remote(&self) -> Remote {
        Remote { store: self.store() }
    }

    pub fn objects(&self, prefix: &str) -> BTreeMap<String, Vec<u8>> {
        self.remote().objects(prefix)
    }

    pub fn get(&self, prefix: &str, rel: &str) -> Option<Vec<u8>> {
        self.remote().get(prefix, rel)
    }

    pub fn put_create(&self, prefix: &str, rel: &str, bytes: &[u8]) -> object_store::Result<()> {
        self.remote().put_create(prefix, rel, bytes)
    }

    pub fn put(&self, prefix: &str, rel: &str, bytes: &[u8]) {
        self.remote().put(prefix, rel, bytes)
    }
}

/// The Azure Blob Storage of the `az://` test: the Azurite `scripts/test` starts
/// (`scripts/lib/azurite.sh`), at `AZURITE_BLOB_STORAGE_URL`, as its development account, which
/// object_store's emulator mode (`AZURE_STORAGE_USE_EMULATOR=true`) signs for by itself.
#[derive(Debug, Clone)]
pub struct Azure {
    pub endpoint: String,
    pub container: String,
}

impl Azure {
    /// The server `scripts/test` started. Panics when it is not there.
    pub fn new() -> Azure {
        let var = |name: &str| {
            std::env::var(name).unwrap_or_else(|_| {
                panic!(
                    "{name} is not set: the az:// test needs the Azurite scripts/test starts \
                     (scripts/lib/azurite.sh starts one by itself and prints the variables)"
                )
            })
        };
        Azure { endpoint: var("AZURITE_BLOB_STORAGE_URL"), container: var("CANDLEWICK_TEST_AZURE_CONTAINER") }
    }

    /// `az://<container>/<prefix>`.
    pub fn url(&self, prefix: &str) -> String {
        format!("az://{}/{prefix}", self.container)
    }

    /// The environment a job reaches the emulator with.
    pub fn env<'c>(&self, command: &'c mut Command) -> &'c mut Command {
        command.env("AZURITE_BLOB_STORAGE_URL", &self.endpoint).env("AZURE_STORAGE_USE_EMULATOR", "true")
    }

    pub fn remote(&self) -> Remote {
        let store = object_store::azure::MicrosoftAzureBuilder::new()
            .with_use_emulator(true)
            .with_container_name(&self.container)
            .build()
            .expect("an Azure client for the emulator");
        Remote { store: Arc::new(store) }
    }
}

/// A store the tests read and write directly.
pub struct Remote {
    store: Arc<dyn ObjectStore>,
}

impl Remote {
    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
    }

    /// Every object under `prefix`, by its path relative to it, with its bytes.
    pub fn objects(&self, prefix: &str) -> BTreeMap<String, Vec<u8>> {
        use futures_util::TryStreamExt;
        let store = &self.store;
        Self::runtime().block_on(async {
            let key = Key::parse(prefix).unwrap();
            let metas: Vec<object_store::ObjectMeta> =
                store.list(Some(&key)).try_collect().await.expect("listing the test bucket");
            let mut objects = BTreeMap::new();
            for meta in metas {
                let bytes = store.get(&meta.location).await.unwrap().bytes().await.unwrap();
                let rel = meta.location.as_ref().strip_prefix(&format!("{prefix}/")).unwrap().to_owned();
                objects.insert(rel, bytes.to_vec());
            }
            objects
        })
    }

    /// The object at `prefix/rel`, if there is one.
    pub fn get(&self, prefix: &str, rel: &str) -> Option<Vec<u8>> {
        let store = &self.store;
        let key = Key::parse(format!("{prefix}/{rel}")).unwrap();
        Self::runtime().block_on(async {
            match store.get(&key).await {
                Ok(got) => Some(got.bytes().await.unwrap().to_vec()),
                Err(object_store::Error::NotFound { .. }) => None,
                Err(err) => panic!("reading {prefix}/{rel}: {err}"),
            }
        })
    }

    /// A put of `bytes` at `prefix/rel` that only creates (`If-None-Match: *`).
    pub fn put_create(&self, prefix: &str, rel: &str, bytes: &[u8]) -> object_store::Result<()> {
        let store = &self.store;
        let key = Key::parse(format!("{prefix}/{rel}")).unwrap();
        Self::runtime()
            .block_on(store.put_opts(
                &key,
                PutPayload::from(bytes.to_vec()),
                PutOptions::from(PutMode::Create),
            ))
            .map(|_| ())
    }

    /// A put of `bytes` at `prefix/rel` (overwriting).
    pub fn put(&self, prefix: &str, rel: &str, bytes: &[u8]) {
        let store = &self.store;
        let key = Key::parse(format!("{prefix}/{rel}")).unwrap();
        Self::runtime().block_on(store.put(&key, PutPayload::from(bytes.to_vec()))).unwrap();
    }
}
