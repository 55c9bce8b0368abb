//! A throwaway PostgreSQL schema per test, on the server `scripts/test` found or started.
//!
//! The server is `DATABASE_URL` when set, else `postgresql://postgres@127.0.0.1:5432/test`. Each
//! [`TestDb`] creates its own schema and hands out a URL whose `search_path` points at it, so tests
//! run in parallel without seeing each other's tables; the schema is dropped when the value is.
//! A server that cannot be reached fails the test with the URL in the message: a test never skips.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use postgres::{Client, NoTls};

/// The server when `DATABASE_URL` is not set: the one these machines run.
pub const DEFAULT_URL: &str = "postgresql://postgres@127.0.0.1:5432/test";

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A schema of its own on the test server.
#[derive(Debug)]
pub struct TestDb {
    admin_url: String,
    schema: String,
    url: String,
}

impl TestDb {
    /// Creates a fresh, empty schema. Panics when the server cannot be reached.
    pub fn new() -> TestDb {
        let admin_url = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned());
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let schema =
            format!("cw_test_{}_{}_{nanos}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let mut admin = connect(&admin_url);
        admin
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .unwrap_or_else(|err| panic!("creating test schema {schema}: {err}"));
        let separator = if admin_url.contains('?') { '&' } else { '?' };
        let url = format!("{admin_url}{separator}options=-csearch_path%3D{schema}");
        TestDb { admin_url, schema, url }
    }

    /// A URL whose sessions work in this schema.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The server's URL without the schema setting.
    pub fn admin_url(&self) -> &str {
        &self.admin_url
    }

    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// A new client working in this schema.
    pub fn client(&self) -> Client {
        connect(&self.url)
    }
}

impl Default for TestDb {
    fn default() -> Self {
        TestDb::new()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = Client::connect(&self.admin_url, NoTls) {
            let _ = admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema));
        }
    }
}

fn connect(url: &str) -> Client {
    Client::connect(url, NoTls).unwrap_or_else(|err| {
        panic!(
            "cannot reach the test PostgreSQL server at {url}: {err:#}\n\
             run the tests through scripts/test, which finds or starts a server, or set DATABASE_URL"
        )
    })
}
