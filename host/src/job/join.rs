//! The joined feature table of one symbol: its feature builders' files read back and put side by
//! side. Each feature builder has exactly one row per bar of the window, so the rows line up by
//! `ts`; a file whose timestamps differ from the first's is an error rather than a silent
//! misalignment.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch};
use arrow::datatypes::{Field, Schema};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

/// One member's file and the joined table's names of its columns after `ts`, in order.
#[derive(Debug)]
pub struct Member<'a> {
    pub name: &'a str,
    pub file: &'a Path,
    pub columns: &'a [String],
}

/// `ts`, then every member's columns under their joined names.
pub fn joined_batch(members: &[Member<'_>]) -> Result<RecordBatch, String> {
    let mut fields: Vec<Field> = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for member in members {
        let batch = read(member.file)?;
        let schema = batch.schema();
        if schema.fields().len() != member.columns.len() + 1 || schema.field(0).name() != "ts" {
            return Err(format!(
                "{}: {} has columns {:?} (expected ts and {:?})",
                member.name,
                member.file.display(),
                schema.fields().iter().map(|f| f.name().as_str()).collect::<Vec<_>>(),
                member.columns
            ));
        }
        match arrays.first() {
            None => {
                fields.push(schema.field(0).clone());
                arrays.push(Arc::clone(batch.column(0)));
            }
            Some(ts) if ts.as_ref() == batch.column(0).as_ref() => {}
            Some(ts) => {
                return Err(format!(
                    "{}: {} has {} rows whose timestamps differ from {}'s {} (expected the same bars)",
                    member.name,
                    member.file.display(),
                    batch.num_rows(),
                    members[0].name,
                    ts.len()
                ));
            }
        }
        for (i, name) in member.columns.iter().enumerate() {
            fields.push(schema.field(i + 1).as_ref().clone().with_name(name));
            arrays.push(Arc::clone(batch.column(i + 1)));
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(|err| format!("joining: {err}"))
}

/// A file's rows as one batch.
fn read(path: &Path) -> Result<RecordBatch, String> {
    let fail = |err: &dyn std::fmt::Display| format!("reading {}: {err}", path.display());
    let file = File::open(path).map_err(|e| fail(&e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| fail(&e))?;
    let schema = Arc::clone(builder.schema());
    let batches =
        builder.build().map_err(|e| fail(&e))?.collect::<Result<Vec<_>, _>>().map_err(|e| fail(&e))?;
    arrow::compute::concat_batches(&schema, &batches).map_err(|e| fail(&e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ColumnValues, Symbol, Table};
    use crate::output::{DatasetDir, OutputName, ParquetWriter, Provenance};
    use arrow::array::{Float64Array, Int64Array, TimestampMicrosecondArray};

    fn write(
        dir: &Path,
        name: &str,
        ts: Vec<i64>,
        columns: Vec<(String, ColumnValues)>,
    ) -> std::path::PathBuf {
        let dataset = DatasetDir::new(&OutputName::new(name).unwrap(), "0123456789abcdef");
        ParquetWriter::new(dir)
            .write(
                &dataset,
                &Symbol::new("S").unwrap(),
                Table { ts, columns },
                &Provenance { entries: Vec::new() },
            )
            .unwrap()
            .path
    }

    #[test]
    fn members_are_put_side_by_side_under_their_joined_names() {
        let dir = tempfile::tempdir().unwrap();
        let a = write(
            dir.path(),
            "a",
            vec![1, 2, 3],
            vec![("x".into(), ColumnValues::Float(vec![0.5, 1.5, f64::NAN]))],
        );
        let b = write(
            dir.path(),
            "b",
            vec![1, 2, 3],
            vec![
                ("x".into(), ColumnValues::Int(vec![7, 8, 9])),
                ("y".into(), ColumnValues::Float(vec![1.0; 3])),
            ],
        );
        let (ca, cb) = (["a_x".to_owned()], ["b_x".to_owned(), "y".to_owned()]);
        let batch = joined_batch(&[
            Member { name: "a", file: &a, columns: &ca },
            Member { name: "b", file: &b, columns: &cb },
        ])
        .unwrap();
        let names: Vec<&str> = batch.schema_ref().fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(names, ["ts", "a_x", "b_x", "y"]);
        let ts = batch.column(0).as_any().downcast_ref::<TimestampMicrosecondArray>().unwrap();
        assert_eq!(ts.values(), &[1, 2, 3]);
        let ax = batch.column(1).as_any().downcast_ref::<Float64Array>().unwrap();
        assert!(ax.value(0) == 0.5 && ax.value(2).is_nan());
        let bx = batch.column(2).as_any().downcast_ref::<Int64Array>().unwrap();
        assert_eq!(bx.values(), &[7, 8, 9]);
    }

    #[test]
    fn members_whose_rows_differ_are_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let a = write(dir.path(), "a", vec![1, 2, 3], vec![("x".into(), ColumnValues::Int(vec![1, 2, 3]))]);
        let b = write(dir.path(), "b", vec![1, 2], vec![("y".into(), ColumnValues::Int(vec![1, 2]))]);
        let (ca, cb) = (["x".to_owned()], ["y".to_owned()]);
        let err = joined_batch(&[
            Member { name: "a", file: &a, columns: &ca },
            Member { name: "b", file: &b, columns: &cb },
        ])
        .unwrap_err();
        assert!(err.contains("has 2 rows whose timestamps differ from a's 3"), "{err}");
    }
}
