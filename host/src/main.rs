//! The `candlewick` binary: parse flags, run the subcommand, print the whole error chain once.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use candlewick::cli::Exit;
use clap::Parser;
use tracing_subscriber::EnvFilter;

/// mimalloc rather than the system allocator: a job allocates and frees columns of megabytes per
/// unit, which glibc hands back to the kernel and faults in again, zeroed, for the next unit. Job
/// benchmark, 2M bars: the same indicators computed natively from 0.155 s to 0.09 s, the Wasm
/// plugin's run from 0.30 s to 0.24 s.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match candlewick::cli::Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version print as clap formats them.
        Err(err) if !err.use_stderr() => {
            let _ = err.print();
            return Exit::Success.into();
        }
        Err(err) => {
            eprintln!("{}", one_line(&err.to_string()));
            return Exit::Usage.into();
        }
    };
    init_log(cli.quiet, cli.verbose);
    let mut out = std::io::stdout().lock();
    match candlewick::cli::run(cli, &mut out) {
        Ok(exit) => exit.into(),
        // The reader of stdout left (`candlewick test … --csv | head`): the output it wanted is
        // written, and there is nothing to say.
        Err(err) if closed_pipe(&err) => Exit::Success.into(),
        Err(err) => {
            let _ = out.flush();
            eprintln!("error: {}", candlewick::domain::error_chain(&*err));
            Exit::for_error(&err).into()
        }
    }
}

/// Whether writing stdout failed because its reader closed the pipe.
fn closed_pipe(err: &anyhow::Error) -> bool {
    fn broken(err: &(dyn std::error::Error + 'static)) -> bool {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            // The CSV writer's errors reach us as an I/O error around its own, around the I/O error.
            return io.kind() == std::io::ErrorKind::BrokenPipe
                || io.get_ref().is_some_and(|inner| broken(inner));
        }
        err.downcast_ref::<csv::Error>().is_some_and(
            |e| matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe),
        ) || err
            .downcast_ref::<serde_json::Error>()
            .is_some_and(|e| e.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    }
    err.chain().any(broken)
}

/// The log on stderr: `CANDLEWICK_LOG`, else `RUST_LOG` (both `EnvFilter` directives), else the
/// level of -q (errors), none (warnings), -v (info), -vv (debug). Colour only on a terminal and
/// without `NO_COLOR` (no-color.org: set and not empty).
fn init_log(quiet: bool, verbose: u8) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, _) => "debug",
    };
    let filter = ["CANDLEWICK_LOG", "RUST_LOG"]
        .iter()
        .filter(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()))
        .find_map(|name| EnvFilter::try_from_env(name).ok())
        .unwrap_or_else(|| EnvFilter::new(level));
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    tracing_subscriber::fmt().with_env_filter(filter).with_ansi(colour).with_writer(std::io::stderr).init();
}

/// A usage error on one line: clap's message without its usage block, its tips in brackets, so every bad
/// input reads the same way (`error: ...`).
fn one_line(message: &str) -> String {
    let lines: Vec<&str> = message
        .lines()
        .map(str::trim)
        .take_while(|line| !line.starts_with("Usage:") && !line.starts_with("For more information"))
        .filter(|line| !line.is_empty())
        .collect();
    let (tips, said): (Vec<&str>, Vec<&str>) = lines.into_iter().partition(|line| line.starts_with("tip:"));
    let said = said.join(" ");
    if tips.is_empty() {
        return said;
    }
    // clap's suggestions ("a similar argument exists: '--shard'") stay, in brackets.
    let tips: Vec<&str> = tips.iter().map(|tip| tip.trim_start_matches("tip:").trim()).collect();
    format!("{said} ({})", tips.join("; "))
}
