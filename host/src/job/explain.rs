//! `candlewick run JOB --explain`: for the first unit of each plugin (its first symbol by name, or
//! the shard's first with `--shard`; a cross-section's one unit), the plans of the SQL statements its reads ran, as
//! `EXPLAIN (ANALYZE, BUFFERS)` gives them through the reader's own read-only connection
//! (`reader::query_cost::explaining`). Those units run once, reading straight from the database
//! (no shared read), and write nothing; no other unit runs. A slow read — a hypertable scanning
//! every chunk, a sequential scan where an index was expected — is visible in the plan.

use std::sync::Arc;

use super::config::{Job, Source};
use super::run::{open_reader, plan, source_name};
use crate::domain::PluginKind;
use crate::reader::query_cost::{self, Explained};
use crate::runtime::{self, PluginRuntime};
use crate::unit;

/// The plans, as text to print: of `shard`'s first units when given.
pub fn explain(job: &Job, shard: Option<super::Shard>) -> anyhow::Result<String> {
    if !matches!(job.source, Source::Database(_)) {
        anyhow::bail!(
            "--explain shows the SQL plans of a database's reads; this job reads the {} (expected a `database:` section)",
            source_name(job)
        );
    }
    let reader = open_reader(job)?;
    let cache_dir = job.cache_dir.clone().or_else(runtime::default_cache_dir);
    let runtime = PluginRuntime::new(cache_dir.as_deref(), job.limits.clone())?;
    let mut text = String::new();
    let symbols = job.symbols.as_slice();
    let mine = match shard {
        Some(shard) => Some(super::shard::plan_for(job, &*reader, shard)?),
        None => None,
    };
    let first = match &mine {
        Some(plan) => plan.symbols.first(),
        None => symbols.first(),
    };
    for (index, entry) in job.plugins.iter().enumerate() {
        let plugin = runtime.load_with_limits(&entry.path, entry.limits.clone())?;
        let params = unit::resolve_params(plugin.info(), &entry.params)
            .map_err(|err| anyhow::anyhow!("plugin {}: {err}", entry.path.display()))?;
        let plan = plan(&*reader, job, index, &plugin, &params)?;
        let name = entry.name.as_ref().map_or_else(|| plugin.info().name.clone(), ToString::to_string);
        let (on, (outcome, statements)) = match plugin.kind() {
            PluginKind::CrossSection => (
                format!("the cross-section of {} symbols", symbols.len()),
                query_cost::explaining(|| {
                    let unit = unit::cross_section_unit(
                        &*reader,
                        symbols,
                        job.timeframe,
                        job.window,
                        &plan,
                        params.clone(),
                    )
                    .map_err(|err| err.to_string())?;
                    plugin
                        .run_cross_section(Arc::clone(&reader), &unit)
                        .map(|o| o.rows_read)
                        .map_err(|e| e.to_string())
                }),
            ),
            _ => {
                let Some(symbol) = first else { continue };
                (
                    symbol.to_string(),
                    query_cost::explaining(|| {
                        let unit = unit::unit_of_work(
                            &*reader,
                            symbol,
                            symbols,
                            job.timeframe,
                            job.window,
                            job.as_of,
                            &plan,
                            params.clone(),
                        )
                        .map_err(|err| err.to_string())?;
                        plugin.run(Arc::clone(&reader), &unit).map(|o| o.rows_read).map_err(|e| e.to_string())
                    }),
                )
            }
        };
        let outcome = match outcome {
            Ok(rows) => format!("ok, {rows} bars read"),
            Err(err) => format!("failed: {err}"),
        };
        let count = crate::domain::counted(statements.len() as u64, "statement");
        let which =
            shard.map_or_else(|| "first unit".to_owned(), |shard| format!("first unit of shard {shard}"));
        text.push_str(&format!("{name} on {on} ({which}; {outcome}): {count}\n"));
        text.push_str(&render(&statements));
    }
    Ok(text)
}

/// `Planning Time: 0.123 ms` and `Execution Time: …` of a plan, in ms.
fn times(plan: &str) -> (f64, f64) {
    let find = |label: &str| {
        plan.lines()
            .find_map(|l| l.trim().strip_prefix(label)?.trim().strip_suffix("ms")?.trim().parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (find("Planning Time:"), find("Execution Time:"))
}

/// Statements grouped by their SQL, in the order they first ran: the first one's plan in full,
/// how often the statement ran and the plans' planning and execution times in all.
fn render(statements: &[Explained]) -> String {
    let mut groups: Vec<(&str, Vec<&Explained>)> = Vec::new();
    for statement in statements {
        match groups.iter_mut().find(|(sql, _)| *sql == statement.sql) {
            Some((_, list)) => list.push(statement),
            None => groups.push((&statement.sql, vec![statement])),
        }
    }
    let mut text = String::new();
    for (k, (sql, list)) in groups.iter().enumerate() {
        let (planning, execution) =
            list.iter().map(|s| times(&s.plan)).fold((0.0, 0.0), |(p, e), (tp, te)| (p + tp, e + te));
        text.push_str(&format!(
            "  [{}] {sql}\n      ran {}; planning {planning:.3} ms, execution {execution:.3} ms in all\n      \
             parameters of the first: {}\n",
            k + 1,
            crate::domain::counted(list.len() as u64, "time"),
            list[0].params
        ));
        for line in list[0].plan.lines() {
            text.push_str(&format!("      | {line}\n"));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_group_by_their_sql_with_their_times_summed() {
        let plan =
            |ms: &str| format!("Index Scan using pk\nPlanning Time: 0.100 ms\nExecution Time: {ms} ms");
        let statement =
            |sql: &str, ms: &str| Explained { sql: sql.into(), params: "[1]".into(), plan: plan(ms) };
        let text =
            render(&[statement("SELECT a", "1.5"), statement("SELECT b", "2"), statement("SELECT a", "0.5")]);
        assert!(
            text.contains("[1] SELECT a\n      ran 2 times; planning 0.200 ms, execution 2.000 ms in all"),
            "{text}"
        );
        assert!(text.contains("[2] SELECT b\n      ran 1 time;"), "{text}");
        assert!(text.contains("      | Index Scan using pk\n"), "{text}");
    }
}
