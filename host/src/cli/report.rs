//! `candlewick report OUTPUT`: a job's output as one HTML page that opens without a network
//! (see `crate::report`).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::Exit;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A job's output: its folder (the one holding manifest.json), or an object store's URL
    /// (s3://, az://, gs://), whose files are fetched into a temporary folder first
    pub output: PathBuf,
    /// Only this symbol's charts (the summary still covers the whole run)
    #[arg(long, value_name = "SYMBOL")]
    pub symbol: Option<String>,
    /// Where to write the page (default: report.html in the output folder; for an object store's
    /// output, in the current folder)
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Writes the page and says where; what could not be shown is said on stderr and on the page,
/// and is not a failure: the page shows the rest.
pub fn run(args: &ReportArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let text = args.output.to_string_lossy();
    // An object store's output is read from a copy of its manifests and files, kept while the
    // page is made.
    let fetched = crate::job::fetch_output(&text)?;
    let (report, default_out) = match &fetched {
        Some(store) => (
            crate::report::build_shown(store.staging(), &text, args.symbol.as_deref()),
            PathBuf::from("report.html"),
        ),
        None => (crate::report::build(&args.output, args.symbol.as_deref()), args.output.join("report.html")),
    };
    let report = report.map_err(anyhow::Error::msg)?;
    let path = args.out.clone().unwrap_or(default_out);
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
