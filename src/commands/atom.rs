//! `portolan atom [--eapi N] ATOM [--json]`

use std::process::ExitCode;

use anyhow::{anyhow, Result};
use portolan_engine::atom::{Atom, AtomOptions, Blocker, Op, SlotOp};
use portolan_engine::eapi::Eapi;
use serde_json::{json, Value};

#[derive(clap::Args)]
pub struct Args {
    /// EAPI whose atom syntax applies (default: the latest).
    #[arg(long)]
    eapi: Option<String>,
    /// Print the parts as JSON (the field names of the conformance vectors).
    #[arg(long)]
    json: bool,
    atom: String,
}

pub fn run(args: &Args) -> Result<ExitCode> {
    let eapi = parse_eapi(args.eapi.as_deref())?;
    let atom =
        Atom::parse(&args.atom, AtomOptions::conformance(eapi)).map_err(|e| anyhow!("{e}"))?;
    let fields = fields(&atom);
    if args.json {
        let mut v = fields;
        v["atom"] = json!(args.atom);
        v["eapi"] = json!(eapi.to_string());
        v["valid"] = json!(true);
        println!("{v}");
    } else {
        for (k, v) in fields.as_object().into_iter().flatten() {
            println!(
                "{k:>13}: {}",
                v.as_str().map(str::to_owned).unwrap_or(v.to_string())
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn parse_eapi(s: Option<&str>) -> Result<Eapi> {
    match s {
        None => Ok(Eapi::LATEST),
        Some(s) => Eapi::parse(s).ok_or_else(|| anyhow!("unsupported EAPI '{s}'")),
    }
}

/// An atom's parts under the field names of `conformance/atoms.json`.
pub fn fields(a: &Atom) -> Value {
    let blocker = match a.blocker {
        Blocker::None => "",
        Blocker::Weak => "!",
        Blocker::Strong => "!!",
    };
    let operator = match a.op {
        None => "",
        Some(Op::Lt) => "<",
        Some(Op::Le) => "<=",
        Some(Op::Eq) => "=",
        Some(Op::Approx) => "~",
        Some(Op::Ge) => ">=",
        Some(Op::Gt) => ">",
        Some(Op::Glob) => "=*",
    };
    let slot_operator = match a.slot_op {
        None => "",
        Some(SlotOp::Any) => "*",
        Some(SlotOp::Equal) => "=",
    };
    let s = |x: Option<portolan_engine::intern::Sym>| x.map(|s| s.as_str()).unwrap_or("");
    json!({
        "blocker": blocker,
        "operator": operator,
        "cp": a.cp.as_str(),
        "version": a.version.as_ref().map(|v| v.to_string()).unwrap_or_default(),
        "slot": s(a.slot),
        "subslot": s(a.subslot),
        "slot_operator": slot_operator,
        "repo": s(a.repo),
        "use": a.use_deps.iter().map(|u| u.to_string()).collect::<Vec<_>>(),
    })
}
