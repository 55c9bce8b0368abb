//! The report as one HTML file: the summary (the run, its datasets, its units with what they cost
//! the database, the symbols' data availability with gaps), a section of charts per symbol, and
//! the scripts and styles inlined — the vendored Lightweight Charts, the data as JSON, the page's
//! own script — so it opens without a network.

use std::fmt::Write;

use serde::Serialize;

use super::SymbolReport;
use super::load::Output;
use super::model::Chart;
use crate::job::UnitStatus;
use crate::reader::query_cost::{QueryCost, human_bytes};

/// The vendored charting library (see `vendor/lightweight-charts/README.md`).
pub const LIGHTWEIGHT_CHARTS_VERSION: &str = "5.2.1";
const LIGHTWEIGHT_CHARTS: &str =
    include_str!("vendor/lightweight-charts/lightweight-charts.standalone.production.js");
const LIGHTWEIGHT_CHARTS_LICENSE: &str = include_str!("vendor/lightweight-charts/LICENSE");
const FANCY_CANVAS_LICENSE: &str = include_str!("vendor/lightweight-charts/fancy-canvas.LICENSE");
const SCRIPT: &str = include_str!("assets/report.js");
const STYLE: &str = include_str!("assets/report.css");

/// Errors the page meets are kept (and still logged): the browser test reads their count from
/// `data-errors` on the body.
const ERROR_WATCH: &str = "window.__reportErrors = [];
(function () {
  const keep = (text) => { window.__reportErrors.push(String(text)); if (document.body) document.body.dataset.errors = String(window.__reportErrors.length); };
  window.addEventListener('error', (e) => keep(e.message || 'error'));
  window.addEventListener('unhandledrejection', (e) => keep(e.reason));
  for (const level of ['error', 'warn']) {
    const original = console[level].bind(console);
    console[level] = (...args) => { keep(args.join(' ')); original(...args); };
  }
})();";

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Text inside a `<script>`: a `</script` or `<!--` in it would end or confuse the element.
fn script_text(text: &str) -> String {
    text.replace("</", "<\\/").replace("<!--", "<\\!--")
}

#[derive(Serialize)]
struct PageData<'a> {
    symbols: Vec<SymbolData<'a>>,
}

#[derive(Serialize)]
struct SymbolData<'a> {
    symbol: &'a str,
    charts: &'a [Chart],
}

/// The whole page.
pub fn render(output: &Output, symbols: &[SymbolReport], problems: &[String]) -> String {
    let mut html = String::with_capacity(1 << 20);
    let title = format!("candlewick report: {}", output.shown);
    let _ = write!(
        html,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"generator\" content=\"candlewick {}\">\
         <title>{}</title><style>{STYLE}</style><script>{ERROR_WATCH}</script></head>\n<body>\n",
        env!("CARGO_PKG_VERSION"),
        escape(&title)
    );
    let _ = write!(html, "<header><h1>{}</h1><nav><a href=\"#summary\">Summary</a>", escape(&title));
    for symbol in symbols {
        let _ = write!(html, "<a href=\"#symbol-{0}\">{0}</a>", escape(&symbol.symbol));
    }
    html.push_str("</nav></header>\n<main>\n");
    if !problems.is_empty() {
        html.push_str("<div class=\"problems\" id=\"problems\"><b>Not everything could be shown:</b><ul>");
        for problem in problems {
            let _ = write!(html, "<li>{}</li>", escape(problem));
        }
        html.push_str("</ul></div>\n");
    }
    summary(&mut html, output, symbols);
    for symbol in symbols {
        let _ = write!(html, "<section id=\"symbol-{0}\"><h2>{0}</h2>", escape(&symbol.symbol));
        if symbol.charts.is_empty() {
            html.push_str("<p class=\"muted\">nothing to draw for this symbol</p>");
        }
        for chart in &symbol.charts {
            let note = if chart.step > 1 {
                format!(
                    " <span class=\"muted\">({} rows, drawn as {} points of {} rows; hover for the raw values)</span>",
                    chart.raw_t.len(),
                    chart.t.len(),
                    chart.step
                )
            } else {
                format!(" <span class=\"muted\">({} rows)</span>", chart.raw_t.len())
            };
            let _ = write!(
                html,
                "<div class=\"chart\" id=\"chart-{}\"><div class=\"title\">{}{note}</div>\
                 <div class=\"canvas\"></div><div class=\"tip\"></div></div>",
                escape(&chart.id),
                escape(&chart.title)
            );
        }
        html.push_str("</section>\n");
    }
    html.push_str("</main>\n");
    let data = PageData {
        symbols: symbols.iter().map(|s| SymbolData { symbol: &s.symbol, charts: &s.charts }).collect(),
    };
    let json = serde_json::to_string(&data).expect("the page's data serialises");
    let _ = write!(
        html,
        "<script>/*\nTradingView Lightweight Charts {LIGHTWEIGHT_CHARTS_VERSION}, Apache License 2.0:\n\n{}\n\n\
         It bundles fancy-canvas:\n\n{}\n*/\n{}</script>\n",
        script_text(LIGHTWEIGHT_CHARTS_LICENSE).replace("*/", "* /"),
        script_text(FANCY_CANVAS_LICENSE).replace("*/", "* /"),
        script_text(LIGHTWEIGHT_CHARTS)
    );
    let _ = writeln!(
        html,
        "<script type=\"application/json\" id=\"report-data\">{}</script>",
        script_text(&json)
    );
    let _ = write!(html, "<script>{}</script>\n</body></html>\n", script_text(SCRIPT));
    html
}

fn row(html: &mut String, cells: &[String]) {
    html.push_str("<tr>");
    for cell in cells {
        let _ = write!(html, "<td>{cell}</td>");
    }
    html.push_str("</tr>");
}

fn num(value: impl std::fmt::Display) -> String {
    format!("<span class=\"num\">{value}</span>")
}

fn summary(html: &mut String, output: &Output, symbols: &[SymbolReport]) {
    html.push_str("<section id=\"summary\"><h2>Summary</h2>");
    match &output.manifest {
        Some(m) => {
            html.push_str("<h3>Run</h3><table>");
            let status = match &m.stopped_by {
                Some(by) => format!("{:?} (stopped by {by})", m.status).to_lowercase(),
                None => format!("{:?}", m.status).to_lowercase(),
            };
            let items = [
                ("output", output.shown.clone()),
                ("status", status),
                ("job file", format!("{} (sha256 {})", m.job.path, m.job.sha256)),
                ("host version", m.host_version.clone()),
                ("started", m.started.clone()),
                ("ended", m.ended.clone().unwrap_or_else(|| "— (not ended)".into())),
                ("source", m.source.clone()),
                ("timeframe", m.timeframe.clone()),
                ("window", format!("{} ..= {}", m.window.start, m.window.end)),
                ("as-of", m.as_of.clone()),
                ("symbols", m.symbols.join(", ")),
            ];
            for (key, value) in items {
                row(html, &[format!("<b>{key}</b>"), escape(&value)]);
            }
            html.push_str("</table>");
        }
        None => {
            let _ = write!(html, "<p>output {} (no manifest)</p>", escape(&output.shown.clone()));
        }
    }
    html.push_str(
        "<h3>Datasets</h3><table><tr><th>dataset</th><th>kind</th><th>folder</th><th>plugin</th>\
         <th>plugin sha256</th><th>parameters</th><th>files</th><th>drawn as</th></tr>",
    );
    for dataset in &output.datasets {
        let identity = dataset.identity.as_ref();
        let field = |key: &str| identity.and_then(|i| i.get(key)).map(|v| v.to_string()).unwrap_or_default();
        let plugin = match identity.and_then(|i| i.get("plugin")).and_then(|v| v.as_str()) {
            Some(plugin) => format!(
                "{plugin} {}",
                identity.and_then(|i| i.get("plugin_version")).and_then(|v| v.as_str()).unwrap_or("")
            ),
            None => String::new(),
        };
        let drawn = symbols.iter().find_map(|s| s.roles.get(&dataset.name)).map(|r| format!("{r:?}"));
        row(
            html,
            &[
                escape(&dataset.name),
                escape(dataset.kind.as_deref().unwrap_or("?")),
                format!("<code>{}</code>", escape(&dataset.folder)),
                escape(&plugin),
                format!("<code>{}</code>", escape(field("plugin_sha256").trim_matches('"'))),
                format!("<code>{}</code>", escape(&field("params"))),
                num(dataset.files.len()),
                escape(&drawn.unwrap_or_else(|| "—".into()).to_lowercase()),
            ],
        );
    }
    html.push_str("</table>");
    if let Some(m) = &output.manifest {
        units(html, m);
    }
    availability(html, symbols);
    html.push_str("</section>\n");
}

fn units(html: &mut String, manifest: &crate::job::Manifest) {
    let ok = manifest.units.iter().filter(|u| matches!(u.status, UnitStatus::Ok | UnitStatus::Empty)).count();
    let failed = manifest.units.iter().filter(|u| u.status == UnitStatus::Failed).count();
    let _ = write!(
        html,
        "<h3>Units</h3><p>{ok} ok, {failed} failed, {} in all</p><table><tr><th>dataset</th><th>symbol</th>\
         <th>status</th><th>rows in</th><th>rows out</th><th>seconds</th><th>statements</th><th>rows received</th>\
         <th>bytes received</th><th>s in database</th><th>retries</th><th>error</th></tr>",
        manifest.units.len()
    );
    let mut total = QueryCost::default();
    let (mut rows_in, mut rows_out, mut seconds) = (0u64, 0u64, 0f64);
    for unit in &manifest.units {
        let status =
            format!("{:?}", unit.status).to_lowercase() + if unit.resumed { " (resumed)" } else { "" };
        let cost = unit.database.unwrap_or_default();
        total = total.plus(cost);
        // No cost recorded: a source that is not a database, or a unit that did not run.
        let shown = |text: String| if unit.database.is_some() { num(text) } else { "—".to_owned() };
        rows_in += unit.rows_in;
        rows_out += unit.rows_out;
        seconds += unit.seconds;
        let class = if unit.status == UnitStatus::Failed { " class=\"failed\"" } else { "" };
        let _ = write!(html, "<tr{class}>");
        let cells = [
            escape(&unit.dataset),
            escape(&unit.symbol),
            escape(&status),
            num(unit.rows_in),
            num(unit.rows_out),
            num(format!("{:.3}", unit.seconds)),
            shown(cost.statements.to_string()),
            shown(cost.rows.to_string()),
            shown(human_bytes(cost.bytes)),
            shown(format!("{:.3}", cost.server_seconds)),
            shown(cost.retries.to_string()),
            format!("<span class=\"error\">{}</span>", escape(unit.error.as_deref().unwrap_or(""))),
        ];
        for cell in cells {
            let _ = write!(html, "<td>{cell}</td>");
        }
        html.push_str("</tr>");
    }
    let _ = write!(
        html,
        "<tr class=\"total\"><td colspan=\"3\">total</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
         <td>{}</td><td>{}</td><td>{}</td><td></td></tr></table>",
        num(rows_in),
        num(rows_out),
        num(format!("{seconds:.3}")),
        num(total.statements),
        num(total.rows),
        num(human_bytes(total.bytes)),
        num(format!("{:.3}", total.server_seconds)),
        num(total.retries)
    );
    html.push_str(
        "<p class=\"muted\">Database costs are the reads each unit ran (a symbol's shared read is counted on \
         its first unit); — for a source that is not a database or a unit that did not run.</p>",
    );
}

fn availability(html: &mut String, symbols: &[SymbolReport]) {
    html.push_str(
        "<h3>Data availability</h3><table><tr><th>symbol</th><th>stored</th><th>bars read for the report</th>\
         <th>gaps</th><th>longest gaps</th><th>span read (gaps in red)</th></tr>",
    );
    for symbol in symbols {
        let Some(a) = &symbol.availability else {
            row(
                html,
                &[
                    escape(&symbol.symbol),
                    "—".into(),
                    "no bars".into(),
                    String::new(),
                    String::new(),
                    String::new(),
                ],
            );
            continue;
        };
        let longest: Vec<String> =
            a.longest.iter().map(|g| format!("{} → {} ({})", g.from, g.to, g.length)).collect();
        let mut strip = String::from(
            "<svg class=\"strip\" viewBox=\"0 0 1000 10\" preserveAspectRatio=\"none\" role=\"img\">",
        );
        for (x, w) in &a.strip {
            let _ = write!(strip, "<rect x=\"{x:.2}\" y=\"0\" width=\"{w:.2}\" height=\"10\"></rect>");
        }
        strip.push_str("</svg>");
        row(
            html,
            &[
                escape(&symbol.symbol),
                escape(&a.stored),
                escape(&a.read),
                num(a.gaps),
                escape(&longest.join("; ")),
                strip,
            ],
        );
    }
    html.push_str(
        "</table><p class=\"muted\">A gap is a stretch between two consecutive bars longer than one bar of the \
         timeframe (weekends and holidays included).</p>",
    );
}
