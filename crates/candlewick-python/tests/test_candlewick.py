"""The `candlewick` Python package against the real host: plugins built by scripts/build-plugins
and scripts/build-hostile, the `candlewick` binary built by cargo, fixtures from tests/fixtures.

Run by scripts/test (stage "Python package"), which builds the wheel with maturin, installs it into
target/toolchains/python-package and points these tests at the checkout with CANDLEWICK_REPO.
"""

import io
import math
import os
import pathlib
import subprocess

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import candlewick

REPO = pathlib.Path(os.environ.get("CANDLEWICK_REPO", pathlib.Path(__file__).resolve().parents[3]))
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
BINARY = pathlib.Path(os.environ.get("CANDLEWICK_BIN", TARGET / "debug" / "candlewick"))
PLUGINS = TARGET / "plugins"
HOSTILE = TARGET / "hostile"
EURUSD = REPO / "tests" / "fixtures" / "examples" / "eurusd_mtf.csv"
SPY = REPO / "tests" / "fixtures" / "examples" / "daily.csv"


def need(path: pathlib.Path) -> pathlib.Path:
    """A file the tests need; missing, it fails the test (never a skip) and says how to make it."""
    assert path.exists(), f"{path} is missing: run scripts/build-plugins, scripts/build-hostile and cargo build"
    return path


def cli_csv(plugin: pathlib.Path, fixture: pathlib.Path, *args: str) -> pd.DataFrame:
    """`candlewick test --csv`: the command line's output for the same unit, the reference."""
    out = subprocess.run(
        [str(need(BINARY)), "-q", "test", str(plugin), "--fixture", str(fixture), "--csv", *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return pd.read_csv(io.StringIO(out))


def assert_same(table: pa.Table, expected: pd.DataFrame) -> None:
    """Same columns in the same order, same rows; floats within 1e-12 relative (the CSV prints
    shortest round-trip text, so equal doubles read back equal), NaN where NaN."""
    actual = table.to_pandas()
    assert list(actual.columns) == list(expected.columns)
    assert len(actual) == len(expected)
    ts = pd.to_datetime(expected["ts"], utc=True)
    assert (actual["ts"].reset_index(drop=True) == ts.reset_index(drop=True)).all()
    for column in expected.columns[1:]:
        for a, e in zip(actual[column], expected[column]):
            if isinstance(e, float) and math.isnan(e):
                assert math.isnan(a), column
            else:
                assert a == pytest.approx(e, rel=1e-12, abs=0.0), column


def eurusd_1h() -> pd.DataFrame:
    bars = pd.read_csv(EURUSD)
    return bars[bars["timeframe"] == "1h"].reset_index(drop=True)


def test_a_plugin_over_a_pandas_dataframe_gives_what_candlewick_test_gives():
    plugin = need(PLUGINS / "indicators.wasm")
    table = candlewick.run(plugin, eurusd_1h(), params={"rsi_period": 10})
    assert_same(table, cli_csv(plugin, EURUSD, "--timeframe", "1h", "--params", "rsi_period=10"))


def test_pyarrow_polars_and_a_time_indexed_pandas_frame_give_the_same_table():
    plugin = need(PLUGINS / "indicators.wasm")
    frame = eurusd_1h()
    reference = candlewick.run(plugin, frame)
    indexed = frame.assign(ts=pd.to_datetime(frame["timestamp"], utc=True)).drop(columns="timestamp").set_index("ts")
    for bars in (pa.Table.from_pandas(frame), pl.from_pandas(frame), indexed):
        # NaN warm-up values compare equal here, unlike in Table.equals.
        pd.testing.assert_frame_equal(candlewick.run(plugin, bars).to_pandas(), reference.to_pandas())


def test_window_as_of_symbol_and_timeframe_select_the_unit_as_the_command_line_does():
    plugin = need(PLUGINS / "zscore.wasm")
    bars = pd.read_csv(EURUSD)  # 1h and 4h bars of EURUSD: the timeframe must be named
    with pytest.raises(candlewick.CandlewickError, match="several series"):
        candlewick.run(plugin, bars)
    table = candlewick.run(
        plugin,
        bars,
        symbol="EURUSD",
        timeframe="1h",
        window=(pd.Timestamp("2018-02-22", tz="UTC"), "2018-02-23T12:00:00Z"),
        params={"period": 12},
    )
    expected = cli_csv(
        plugin, EURUSD, "--timeframe", "1h", "--start", "2018-02-22", "--end", "2018-02-23T12:00:00Z",
        "--params", "period=12",
    )
    assert_same(table, expected)
    assert table.column("ts")[0].as_py() == pd.Timestamp("2018-02-22", tz="UTC")


def test_bars_without_symbol_and_timeframe_columns_take_the_arguments():
    plugin = need(PLUGINS / "indicators.wasm")
    daily = pd.read_csv(SPY)
    frame = daily[daily["symbol"] == "SPY"].drop(columns=["symbol", "timeframe"])
    table = candlewick.run(plugin, frame, symbol="SPY", timeframe="1d")
    assert_same(table, cli_csv(plugin, SPY, "--symbol", "SPY"))


def test_a_missing_timestamp_is_a_bars_error_naming_the_row():
    frame = eurusd_1h()
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    frame.loc[6, "timestamp"] = pd.NaT  # the 7th row
    with pytest.raises(candlewick.BarsError, match=r"^bars: row 7: .*(ts|timestamp)"):
        candlewick.run(need(PLUGINS / "indicators.wasm"), frame)


def test_unsorted_bars_are_a_bars_error_naming_both_rows():
    frame = eurusd_1h()
    frame.iloc[[3, 4]] = frame.iloc[[4, 3]].to_numpy()
    with pytest.raises(candlewick.BarsError, match=r"row 5: .* is before .*\(row 4\).*time order"):
        candlewick.run(need(PLUGINS / "indicators.wasm"), frame)


def test_a_bar_with_high_below_low_is_a_bars_error_naming_the_field():
    frame = eurusd_1h()
    frame.loc[2, "high"] = frame.loc[2, "low"] - 0.01
    with pytest.raises(candlewick.BarsError, match=r"^bars: row 3: high"):
        candlewick.run(need(PLUGINS / "indicators.wasm"), frame)


def test_bad_arguments_are_errors_that_say_what_was_expected():
    plugin = need(PLUGINS / "indicators.wasm")
    with pytest.raises(candlewick.CandlewickError, match="no_such_param"):
        candlewick.run(plugin, eurusd_1h(), params={"no_such_param": 1})
    with pytest.raises(candlewick.CandlewickError, match=r'window start|start "yesterday"'):
        candlewick.run(plugin, eurusd_1h(), window=("yesterday", None))
    with pytest.raises(TypeError, match="bars: expected a pyarrow Table"):
        candlewick.run(plugin, [1, 2, 3])
    with pytest.raises(candlewick.CandlewickError, match="nothing.wasm"):
        candlewick.run(PLUGINS / "nothing.wasm", eurusd_1h())


@pytest.mark.parametrize("hostile", ["panic", "hog"])
def test_a_hostile_plugin_raises_and_the_interpreter_survives(hostile):
    with pytest.raises(candlewick.PluginError, match=f"plugin {hostile}"):
        candlewick.run(need(HOSTILE / f"{hostile}.wasm"), eurusd_1h())
    # The same process runs a well-behaved plugin afterwards.
    assert candlewick.run(need(PLUGINS / "indicators.wasm"), eurusd_1h()).num_rows == len(eurusd_1h())


def test_read_gives_a_job_dataset_as_one_table_following_the_manifest(tmp_path):
    job = tmp_path / "job.yaml"
    job.write_text(
        f"""
fixture: {EURUSD}
symbols: [EURUSD]
timeframe: 1h
start: 2018-02-21
end: 2018-03-20
output: {tmp_path / "out"}
plugins:
  - path: {need(PLUGINS / "indicators.wasm")}
"""
    )
    subprocess.run([str(need(BINARY)), "-q", "run", str(job)], check=True)
    table = candlewick.read(tmp_path / "out", "indicators")
    expected = cli_csv(
        PLUGINS / "indicators.wasm", EURUSD, "--timeframe", "1h", "--start", "2018-02-21", "--end", "2018-03-20"
    )
    assert table.column_names[:2] == ["ts", "symbol"]
    assert set(table.column("symbol").to_pylist()) == {"EURUSD"}
    assert_same(table.drop_columns(["symbol"]), expected)
    with pytest.raises(candlewick.CandlewickError, match=r'no dataset "nope" \(the manifest lists indicators\)'):
        candlewick.read(tmp_path / "out", "nope")
    with pytest.raises(candlewick.CandlewickError, match="no manifest"):
        candlewick.read(tmp_path, "indicators")
