//! Where a subcommand's data lives: `--database-url` (or `DATABASE_URL`), or a fixture file.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::bars_file::FileDefaults;
use crate::pg::{Client, ConnectionSettings};
use crate::reader::{MarketDataReader, MemoryMarketDataReader, PgMarketDataReader, PgReaderConfig};

/// A PostgreSQL database to work on.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// PostgreSQL URL, such as postgresql://user@localhost:5432/market
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: String,
}

impl DatabaseArgs {
    pub fn settings(&self) -> anyhow::Result<ConnectionSettings> {
        Ok(ConnectionSettings::parse(&self.database_url)?)
    }

    /// A plain read-write client, for migrations and ingest.
    pub fn client(&self) -> anyhow::Result<Client> {
        let settings = self.settings()?;
        settings.connect("candlewick").with_context(|| format!("connecting to {settings}"))
    }
}

/// Bars to read: a database, or a CSV/Parquet fixture served from memory.
#[derive(Debug, Clone, Args)]
pub struct SourceArgs {
    /// PostgreSQL URL, such as postgresql://user@localhost:5432/market
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, required_unless_present = "fixture")]
    pub database_url: Option<String>,
    /// Read bars from this CSV or Parquet file instead of a database (symbol and timeframe columns required)
    #[arg(long, conflicts_with = "database_url")]
    pub fixture: Option<PathBuf>,
}

impl SourceArgs {
    pub fn reader(&self) -> anyhow::Result<Box<dyn MarketDataReader>> {
        if let Some(path) = &self.fixture {
            let reader = MemoryMarketDataReader::from_file(path, &FileDefaults::default())?;
            return Ok(Box::new(reader));
        }
        let url = self
            .database_url
            .as_deref()
            .context("no data source (pass --database-url, set DATABASE_URL, or pass --fixture FILE)")?;
        let settings = ConnectionSettings::parse(url)?;
        let reader = PgMarketDataReader::connect(&settings, &PgReaderConfig::default())
            .with_context(|| format!("connecting to {settings}"))?;
        Ok(Box::new(reader))
    }
}
