//! `candlewick report`: the page over a real job's output (indicators, CUSUM events with
//! triple-barrier labels, daily resampled bars over the EURUSD sample), opened in a real headless
//! Chromium (Debian's `chromium`, which scripts/test installs): no console message or page error,
//! every chart's canvas drawn (pixels of the candles' colours in its box of the screenshot), and
//! one marker per row of the events file. The screenshot is kept at
//! `target/report-test/report.png`. And the bad input: no manifest, a missing file, a symbol not
//! in the output.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use support::{plugin_wasm, read_parquet, repo_path, run, stderr, stdout, unit_file};
use tempfile::TempDir;

const SYMBOLS: [&str; 2] = ["EURUSD", "EURUSD2"];
const START: &str = "2018-01-01T00:00:00Z";
const END: &str = "2018-12-31T23:00:00Z";

/// The embedded sample, EURUSD 1h 2018, as two symbols (the second's prices doubled): 6168 bars
/// each, more than a chart draws (4000), so the page draws buckets of two bars.
fn fixture(dir: &Path) -> PathBuf {
    let sample = std::fs::read_to_string(repo_path("host/fixtures/eurusd_1h_2018.csv")).unwrap();
    let mut text = String::from("symbol,timeframe,timestamp,open,high,low,close,volume\n");
    for (k, symbol) in SYMBOLS.iter().enumerate() {
        for line in sample.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let price = |i: usize| f[i].parse::<f64>().unwrap() * (k + 1) as f64;
            text.push_str(&format!(
                "{symbol},1h,{},{},{},{},{},{}\n",
                f[0],
                price(1),
                price(2),
                price(3),
                price(4),
                100 + k
            ));
        }
    }
    let path = dir.join("bars.csv");
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs the job and returns its output folder.
fn run_job(dir: &Path) -> PathBuf {
    let fixture = fixture(dir);
    let job = format!(
        "fixture: {}\nsymbols: [{}]\ntimeframe: 1h\nstart: {START}\nend: {END}\noutput: out\ncache_dir: {}\n\
         plugins:\n  - path: {}\n  - path: {}\n    params: {{ cusum_threshold: 0.004 }}\n  \
         - path: {}\n    params: {{ to: 1d }}\n",
        fixture.display(),
        SYMBOLS.join(", "),
        repo_path("target/test-cache/candlewick").display(),
        plugin_wasm("indicators").display(),
        plugin_wasm("events").display(),
        plugin_wasm("resample").display(),
    );
    let path = dir.join("job.yaml");
    std::fs::write(&path, job).unwrap();
    let output = run(&["run", path.to_str().unwrap()]);
    assert!(output.status.success(), "the job failed: {}{}", stdout(&output), stderr(&output));
    dir.join("out")
}

/// Debian's chromium, or `CANDLEWICK_CHROMIUM`: scripts/test installs it (scripts/lib/chromium.sh).
fn chromium() -> PathBuf {
    if let Ok(path) = std::env::var("CANDLEWICK_CHROMIUM") {
        return PathBuf::from(path);
    }
    let path = PathBuf::from("/usr/bin/chromium");
    assert!(
        path.exists(),
        "/usr/bin/chromium is missing: the report test needs a real browser (scripts/test installs Debian's \
         chromium: apt-get install -y chromium; or set CANDLEWICK_CHROMIUM)"
    );
    path
}

const WINDOW: (u32, u32) = (1400, 3600);

/// Chromium headless over `page` with `mode` (`--dump-dom` or `--screenshot=FILE`): its stdout and
/// its log (stderr, where the page's console messages appear as `CONSOLE` lines).
fn headless(page: &Path, mode: &str) -> (String, String) {
    let profile = TempDir::new().unwrap();
    let output = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--force-device-scale-factor=1",
            "--enable-logging=stderr",
            "--v=0",
            &format!("--user-data-dir={}", profile.path().display()),
            &format!("--window-size={},{}", WINDOW.0, WINDOW.1),
            "--virtual-time-budget=10000",
            "--run-all-compositor-stages-before-draw",
            mode,
            &format!("file://{}", page.display()),
        ])
        .output()
        .expect("running chromium");
    let (out, log) = (stdout(&output), stderr(&output));
    assert!(output.status.success(), "chromium {mode} failed: {log}");
    (out, log)
}

/// The value of `name="…"` in an HTML start tag.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = tag[start..].find('"')? + start;
    Some(tag[start..end].to_owned())
}

/// The start tags of the dumped DOM that have `needle` in them.
fn tags<'a>(dom: &'a str, needle: &str) -> Vec<&'a str> {
    dom.match_indices('<')
        .filter_map(|(i, _)| Some(&dom[i..i + dom[i..].find('>')?]))
        .filter(|tag| tag.contains(needle))
        .collect()
}

#[test]
fn a_report_draws_every_chart_and_one_marker_per_event_row_in_a_real_browser() {
    let dir = TempDir::new().unwrap();
    let out = run_job(dir.path());
    let artefacts = repo_path("target/report-test");
    std::fs::create_dir_all(&artefacts).unwrap();
    let page = std::path::absolute(artefacts.join("report.html")).unwrap();
    let output = run(&["report", out.to_str().unwrap(), "--symbol", "EURUSD", "-o", page.to_str().unwrap()]);
    assert!(output.status.success(), "{}{}", stdout(&output), stderr(&output));
    assert_eq!(stderr(&output), "", "a complete output is reported without warnings");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "the page loads nothing from a network"
    );
    assert!(html.contains("Apache License"), "the library's licence travels with it");
    assert!(
        html.contains("(6168 rows, drawn as 3084 points of 2 rows;"),
        "the bars are downsampled for drawing"
    );

    // The DOM after the scripts ran.
    let (dom, log) = headless(&page, "--dump-dom");
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "the page wrote to the console:\n{}", console.join("\n"));
    let body = tags(&dom, "<body")[0];
    assert_eq!(attribute(body, "data-errors"), None, "errors seen by the page: {body}");
    let charts: Vec<&str> = tags(&dom, "class=\"chart\"");
    // The bars with indicators and events, and the daily bars of `resample`.
    assert_eq!(charts.len(), 2, "{charts:?}");
    assert_eq!(attribute(body, "data-charts").as_deref(), Some("2"));
    assert_eq!(attribute(body, "data-drawn").as_deref(), Some("2"), "{body}");
    let events = read_parquet(&unit_file(&out, "events", "EURUSD"));
    assert!(events.ts.len() > 10, "the events file has rows to mark: {}", events.ts.len());
    let markers: usize =
        charts.iter().map(|c| attribute(c, "data-markers").unwrap().parse::<usize>().unwrap()).sum();
    assert_eq!(markers, events.ts.len(), "one marker per row of the events file");

    // Each chart's box in the screenshot holds the candles' colours.
    let screenshot = artefacts.join("report.png");
    headless(&page, &format!("--screenshot={}", screenshot.display()));
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&screenshot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    let channels = info.color_type.samples();
    assert_eq!((info.width, info.height), WINDOW);
    for chart in &charts {
        let rect: Vec<u32> = attribute(chart, "data-rect")
            .unwrap()
            .split(',')
            .map(|v| v.parse::<f64>().unwrap() as u32)
            .collect();
        let (x, y, w, h) = (rect[0], rect[1], rect[2], rect[3]);
        assert!(y + h <= info.height, "chart {chart} lies below the screenshot's {} px", info.height);
        let mut colours: BTreeMap<&str, usize> = BTreeMap::new();
        for py in y..y + h {
            for px in x..x + w {
                let at = ((py * info.width + px) as usize) * channels;
                let rgb = (pixels[at], pixels[at + 1], pixels[at + 2]);
                let near = |c: (u8, u8, u8)| {
                    rgb.0.abs_diff(c.0) < 8 && rgb.1.abs_diff(c.1) < 8 && rgb.2.abs_diff(c.2) < 8
                };
                let key = if near((0x26, 0xa6, 0x9a)) {
                    "up"
                } else if near((0xef, 0x53, 0x50)) {
                    "down"
                } else if rgb != (255, 255, 255) {
                    "other"
                } else {
                    "white"
                };
                *colours.entry(key).or_default() += 1;
            }
        }
        let id = attribute(chart, "id").unwrap();
        assert!(colours.get("up").copied().unwrap_or(0) > 100, "{id}: no rising candles drawn: {colours:?}");
        assert!(
            colours.get("down").copied().unwrap_or(0) > 100,
            "{id}: no falling candles drawn: {colours:?}"
        );
    }
}

#[test]
fn a_report_without_a_manifest_or_with_a_file_missing_says_which_and_draws_the_rest() {
    let dir = TempDir::new().unwrap();
    let out = run_job(dir.path());
    let missing = unit_file(&out, "indicators", "EURUSD2");
    std::fs::remove_file(&missing).unwrap();
    let page = dir.path().join("a.html");
    let output = run(&["report", out.to_str().unwrap(), "-o", page.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let warning = format!("warning: {}: listed by the manifest but missing", missing.display());
    assert!(stderr(&output).contains(&warning), "{}", stderr(&output));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.contains("listed by the manifest but missing") && html.contains("id=\"chart-EURUSD2-bars\"")
    );

    std::fs::remove_file(out.join("manifest.json")).unwrap();
    let output = run(&["report", out.to_str().unwrap(), "-o", page.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(&format!("warning: no manifest.json in {}", out.display())),
        "{}",
        stderr(&output)
    );
    // The bars still come from the source the files' provenance names (the fixture).
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.contains("id=\"chart-EURUSD-bars\"") && html.contains("EURUSD 1h bars"),
        "{}",
        stdout(&output)
    );
    assert!(stdout(&output).contains("2 symbols, 4 charts"), "{}", stdout(&output));
}

#[test]
fn a_report_for_a_symbol_not_in_the_output_is_a_one_line_error() {
    let dir = TempDir::new().unwrap();
    let out = run_job(dir.path());
    let output = run(&["report", out.to_str().unwrap(), "--symbol", "GBPUSD"]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert_eq!(
        message.trim_end(),
        format!("error: symbol \"GBPUSD\" is not in {} (its symbols: EURUSD, EURUSD2)", out.display())
    );
}
