//! `candlewick migrate`

use super::Exit;
use std::io::Write;

use clap::Args;

use super::DatabaseArgs;

#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
}

pub fn run(args: &MigrateArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let mut client = args.database.client()?;
    let report = crate::pg::migrate::migrate(&mut client)?;
    for name in &report.applied {
        writeln!(out, "applied {name}")?;
    }
    if let Some(note) = report.timescale.note() {
        writeln!(out, "{note}")?;
    }
    match report.version {
        Some(version) => writeln!(out, "schema at version {version}")?,
        None => writeln!(out, "no migrations")?,
    }
    Ok(Exit::Success)
}
