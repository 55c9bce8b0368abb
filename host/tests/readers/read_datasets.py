"""Reads every dataset of a job's output back through pandas, polars, pyarrow and DuckDB and
compares each with the plugin's own output (host/tests/datasets.rs runs it).

    python read_datasets.py OUT EXPECTED

OUT is the job's output folder (its manifest.json names the datasets; a job run in shards has a
manifest-shard-I-of-N.json per shard, which are merged); EXPECTED holds one
`<dataset>.csv` per dataset to check: `symbol`, `ts` (RFC 3339) and the plugin's columns, as
`candlewick test --csv` prints a plugin's output. Each reader must see one table with a `symbol`
column (decoded from the hive folders), `ts` as UTC timestamps in microseconds, and the same values
to the bit (NaN equal to NaN). Prints one line per check and exits 1 when any failed.
"""

import json
import math
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq


def read_pandas(folder):
    df = pd.read_parquet(folder)
    assert str(df["ts"].dtype) == "datetime64[us, UTC]", f"ts is {df['ts'].dtype}"
    return columns_of(df["symbol"].astype(str).tolist(), df["ts"].astype("int64").tolist(), df)


def read_polars(folder):
    df = pl.scan_parquet(folder, hive_partitioning=True).collect()
    assert df.schema["ts"] == pl.Datetime("us", "UTC"), f"ts is {df.schema['ts']}"
    assert df.schema["symbol"] == pl.String, f"symbol is {df.schema['symbol']}"
    frame = df.to_pandas()
    return columns_of(df["symbol"].to_list(), df["ts"].dt.epoch("us").to_list(), frame)


def read_pyarrow(folder):
    table = pads.dataset(folder, format="parquet", partitioning="hive").to_table()
    assert table.schema.field("ts").type == pa.timestamp("us", tz="UTC"), f"ts is {table.schema.field('ts').type}"
    frame = table.to_pandas()
    ts = table.column("ts").cast(pa.int64()).to_pylist()
    return columns_of([str(s) for s in table.column("symbol").to_pylist()], ts, frame)


def read_duckdb(folder):
    relation = duckdb.sql(
        f"SELECT * FROM read_parquet('{folder}/*/*.parquet', hive_partitioning = true)"
    )
    types = dict(zip(relation.columns, [str(t) for t in relation.types]))
    assert types["ts"] == "TIMESTAMP WITH TIME ZONE", f"ts is {types['ts']}"
    frame = relation.df()
    ts = duckdb.sql(
        f"SELECT epoch_us(ts) AS us FROM read_parquet('{folder}/*/*.parquet', hive_partitioning = true)"
    ).fetchall()
    return columns_of(frame["symbol"].astype(str).tolist(), [row[0] for row in ts], frame)


READERS = {"pandas": read_pandas, "polars": read_polars, "pyarrow": read_pyarrow, "duckdb": read_duckdb}


def columns_of(symbols, ts, frame):
    """(symbol, ts) -> row of the other columns, and the column names."""
    names = [c for c in frame.columns if c not in ("symbol", "ts")]
    values = [frame[c].tolist() for c in names]
    rows = {}
    for i, key in enumerate(zip(symbols, ts)):
        assert key not in rows, f"row {key} twice"
        rows[key] = [column[i] for column in values]
    return names, rows


def expected(path):
    frame = pd.read_csv(path, keep_default_na=False, na_values=["NaN"], dtype={"symbol": str})
    ts = pd.to_datetime(frame["ts"], utc=True).astype("datetime64[us, UTC]").astype("int64").tolist()
    return columns_of(frame["symbol"].tolist(), ts, frame)


def same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        a, b = float(a), float(b)
        return (math.isnan(a) and math.isnan(b)) or a == b
    return int(a) == int(b)


def check_dataset(folder, want):
    names, rows = want
    failures = []
    for reader, read in READERS.items():
        try:
            got_names, got_rows = read(str(folder))
            assert sorted(got_names) == sorted(names), f"columns {got_names} (expected {names})"
            assert got_rows.keys() == rows.keys(), (
                f"{len(got_rows)} rows of symbols {sorted({s for s, _ in got_rows})} "
                f"(expected {len(rows)} of {sorted({s for s, _ in rows})})"
            )
            order = [got_names.index(n) for n in names]
            for key, row in rows.items():
                got = [got_rows[key][i] for i in order]
                bad = [n for n, a, b in zip(names, got, row) if not same(a, b)]
                assert not bad, f"row {key}: {bad} differ: {got} (expected {row})"
            print(f"ok      {folder.name} via {reader}: {len(rows)} rows, columns {names}")
        except Exception as err:  # noqa: BLE001 - every reader is tried and reported
            failures.append(reader)
            print(f"FAILED  {folder.name} via {reader}: {type(err).__name__}: {err}")
    return failures


def check_statistics(out, files):
    """Each file is sorted by ts, says so, and keeps ts min/max for readers to skip by time."""
    failures = []
    for file in files:
        meta = pq.ParquetFile(out / file).metadata
        ts = pq.read_table(out / file, columns=["ts"]).column("ts").cast(pa.int64()).to_pylist()
        for g in range(meta.num_row_groups):
            group = meta.row_group(g)
            stats = group.column(0).statistics
            ok = (
                stats is not None
                and stats.has_min_max
                and micros(stats.min) == ts[0]
                and micros(stats.max) == ts[-1]
                and ts == sorted(ts)
                and [(c.column_index, c.descending) for c in (group.sorting_columns or ())] == [(0, False)]
            )
            if not ok:
                failures.append(file)
                print(f"FAILED  {file}: ts statistics {stats} sorting {group.sorting_columns}")
    if not failures:
        print(f"ok      ts statistics and sort order of {len(files)} files")
    return failures


def micros(value):
    """A statistic (a datetime, exact to the microsecond) as microseconds since the epoch."""
    return pd.Timestamp(value).value // 1000


def load_manifest(out):
    """The run's manifest.json, or, for a job run in shards, every shard's
    manifest-shard-I-of-N.json merged: each dataset's files are the union of the shards' lists.
    Every shard must be there and complete (`candlewick status OUT` says which is not)."""
    shards = sorted(out.glob("manifest-shard-*-of-*.json"))
    if not shards:
        return json.loads((out / "manifest.json").read_text())
    counts = {int(p.stem.rsplit("-of-", 1)[1]) for p in shards}
    assert len(counts) == 1 and len(shards) == counts.pop(), f"shard manifests {[p.name for p in shards]}"
    merged = None
    for path in shards:
        manifest = json.loads(path.read_text())
        assert manifest["status"] == "complete", f"{path.name}: {manifest['status']}"
        if merged is None:
            merged = dict(manifest, units=[], datasets={k: dict(v, files=[]) for k, v in manifest["datasets"].items()})
        merged["units"] += manifest["units"]
        for name, dataset in manifest["datasets"].items():
            assert dataset["path"] == merged["datasets"][name]["path"], f"{path.name}: {name} in another folder"
            merged["datasets"][name]["files"] += dataset["files"]
    print(f"ok      {len(shards)} shard manifests merged")
    return merged


def main():
    out, expected_dir = Path(sys.argv[1]), Path(sys.argv[2])
    manifest = load_manifest(out)
    failures = []
    checked = 0
    for csv in sorted(expected_dir.glob("*.csv")):
        dataset = manifest["datasets"][csv.stem]
        failures += check_dataset(out / dataset["path"], expected(csv))
        failures += check_statistics(out, dataset["files"])
        checked += 1
    print(f"readers: {checked} datasets, {len(failures)} failures")
    sys.exit(1 if failures or checked == 0 else 0)


if __name__ == "__main__":
    main()
