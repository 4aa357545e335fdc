use std::process::ExitCode;

use anyhow::{Context, Result};
use portolan_engine::version::Version;

pub fn run(a: &str, b: &str) -> Result<ExitCode> {
    let va = Version::parse(a).with_context(|| format!("first version '{a}'"))?;
    let vb = Version::parse(b).with_context(|| format!("second version '{b}'"))?;
    println!("{}", va.cmp(&vb) as i8);
    Ok(ExitCode::SUCCESS)
}
