//! `candlewick report OUTPUT`: a job's output as one HTML page that opens without a network
//! (see `crate::report`).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::Exit;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A job's output folder (the one holding manifest.json)
    pub output: PathBuf,
    /// Only this symbol's charts (the summary still covers the whole run)
    #[arg(long, value_name = "SYMBOL")]
    pub symbol: Option<String>,
    /// Where to write the page (default: report.html in the output folder)
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Writes the page and says where; what could not be shown is said on stderr and on the page,
/// and is not a failure: the page shows the rest.
pub fn run(args: &ReportArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let report = crate::report::build(&args.output, args.symbol.as_deref()).map_err(anyhow::Error::msg)?;
    let path = args.out.clone().unwrap_or_else(|| args.output.join("report.html"));
    std::fs::write(&path, &report.html)
        .map_err(|err| anyhow::anyhow!("writing {}: {err}", path.display()))?;
    for problem in &report.problems {
        eprintln!("warning: {problem}");
    }
    let count = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    writeln!(
        out,
        "report: {} ({}, {}, {}, {:.1} MB)",
        path.display(),
        count(report.symbols.len(), "symbol", "symbols"),
        count(report.charts, "chart", "charts"),
        count(report.markers, "marker", "markers"),
        report.html.len() as f64 / 1e6
    )?;
    Ok(Exit::Success)
}
