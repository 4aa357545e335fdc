//! `portolan profiles [--json]`: every profile of every configured
//! repository's `profiles.desc`.

use std::process::ExitCode;

use anyhow::Result;
use portolan_engine::profile::files::read_profiles_desc;
use portolan_engine::repo::RepoSet;
use serde_json::json;

#[derive(clap::Args)]
pub struct Args {
    /// One JSON object per line.
    #[arg(long)]
    json: bool,
}

pub fn run(repos: &RepoSet, args: &Args) -> Result<ExitCode> {
    for repo in &repos.repos {
        for e in read_profiles_desc(&repos.fs, &repo.profiles_dir())?.unwrap_or_default() {
            let profile = format!("{}:{}", repo.name, e.path);
            if args.json {
                println!(
                    "{}",
                    json!({"profile": profile, "repo": repo.name.as_str(), "arch": e.arch, "status": e.status})
                );
            } else {
                println!("{:<8} {:<6} {profile}", e.arch, e.status);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
