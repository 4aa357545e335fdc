//! JSON lines: one object per cell, the cell's fields plus `run` (what the
//! whole run was about). Every line stands alone, so `jq` and line-wise
//! readers keep working, and `merge` can tell parts of different runs apart.

use std::io::Write;

use anyhow::Result;
use serde_json::Value;

use super::{Cell, Matrix, Run};

pub fn write(out: &mut dyn Write, m: &Matrix) -> Result<()> {
    let run = serde_json::to_value(&m.run)?;
    for c in &m.cells {
        writeln!(out, "{}", line(c, &run)?)?;
    }
    Ok(())
}

/// A cell's line; `serde_json` sorts the keys, so `run` falls between
/// `profile` and `set`.
fn line(c: &Cell, run: &Value) -> Result<Value> {
    let mut v = serde_json::to_value(c)?;
    if let Value::Object(map) = &mut v {
        map.insert("run".to_owned(), run.clone());
    }
    Ok(v)
}

/// Reads one line back into its run and cell; the error says what is
/// wrong, the caller adds where.
pub fn parse_line(text: &str) -> Result<(Run, Cell), String> {
    let mut v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(map) = &mut v else {
        return Err("not a JSON object".to_owned());
    };
    let run = map.remove("run").ok_or(
        "no `run` field: not a line of `portolan check --format json` (or made by an older portolan)",
    )?;
    let run: Run = serde_json::from_value(run).map_err(|e| format!("bad `run`: {e}"))?;
    let cell: Cell = serde_json::from_value(v).map_err(|e| format!("bad cell: {e}"))?;
    Ok((run, cell))
}
