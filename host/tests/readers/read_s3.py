"""Reads every dataset of a job's output in S3 back through pyarrow and polars, and compares each
with the same dataset read from a folder the same job wrote (host/tests/object_store.rs runs it).

    python read_s3.py s3://BUCKET/PREFIX FOLDER

The S3 server and credentials come from the environment: AWS_ENDPOINT_URL (http://…),
AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION. The committed manifest.json names the
datasets. Prints one line per check and exits 1 when any failed.
"""

import json
import os
import sys
from pathlib import Path
from urllib.parse import urlparse

import polars as pl
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.fs as pafs


def sorted_table(table):
    table = table.select(sorted(table.column_names))
    table = table.cast(pa.schema([(f.name, pa.string() if f.name == "symbol" else f.type) for f in table.schema]))
    return table.sort_by([("symbol", "ascending"), ("ts", "ascending")])


def main():
    url, folder = sys.argv[1], Path(sys.argv[2])
    endpoint = urlparse(os.environ["AWS_ENDPOINT_URL"])
    s3 = pafs.S3FileSystem(
        access_key=os.environ["AWS_ACCESS_KEY_ID"],
        secret_key=os.environ["AWS_SECRET_ACCESS_KEY"],
        region=os.environ.get("AWS_REGION", "us-east-1"),
        endpoint_override=endpoint.netloc,
        scheme=endpoint.scheme,
    )
    root = url.removeprefix("s3://").rstrip("/")
    with s3.open_input_stream(f"{root}/manifest.json") as stream:
        manifest = json.loads(stream.read())
    assert manifest["status"] == "complete", manifest["status"]
    storage = {
        "aws_endpoint_url": os.environ["AWS_ENDPOINT_URL"],
        "aws_access_key_id": os.environ["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": os.environ["AWS_SECRET_ACCESS_KEY"],
        "aws_region": os.environ.get("AWS_REGION", "us-east-1"),
        "aws_allow_http": "true",
    }
    failed = 0
    for name, dataset in manifest["datasets"].items():
        local = sorted_table(pads.dataset(folder / dataset["path"], format="parquet", partitioning="hive").to_table())
        readers = {
            "pyarrow": lambda: pads.dataset(
                f"{root}/{dataset['path']}", filesystem=s3, format="parquet", partitioning="hive"
            ).to_table(),
            "polars": lambda: pl.scan_parquet(
                f"{url.rstrip('/')}/{dataset['path']}/**/*.parquet",
                storage_options=storage,
                hive_partitioning=True,
                hive_schema={"symbol": pl.String},
            )
            .collect()
            .to_arrow(),
        }
        for reader, read in readers.items():
            try:
                table = sorted_table(read())
                same = table.equals(local)
                detail = f"{table.num_rows} rows" if same else f"{table.num_rows} rows, not the folder's {local.num_rows}"
            except Exception as err:  # noqa: BLE001 - every failure is a failed check, named
                same, detail = False, f"{type(err).__name__}: {err}"
            failed += not same
            print(f"{'ok' if same else 'FAILED'} {reader} {name}: {detail}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
