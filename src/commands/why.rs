//! `portolan why PROFILE CPV [FLAG]`: the file:line entries that decided a
//! flag (or, without FLAG, the visibility) of a version under a profile.

use std::collections::HashSet;
use std::process::ExitCode;

use anyhow::{bail, Result};
use portolan_engine::evaluate::Evaluator;
use portolan_engine::intern::Sym;
use portolan_engine::profile::flags::Decision;
use portolan_engine::tree::Tree;

#[derive(clap::Args)]
pub struct Args {
    /// `REPO:PATH` or a bare PATH.
    profile: String,
    /// `CAT/PF` or `CAT/PF::REPO`.
    cpv: String,
    /// A USE flag of the version; without it, explain the visibility.
    flag: Option<String>,
}

pub fn run(tree: &mut Tree, args: &Args) -> Result<ExitCode> {
    let profile = super::select::load_profile(tree, &args.profile, &mut HashSet::new())?;
    let tree = &*tree;
    let pkgs = tree.packages.find_cpv(&args.cpv);
    let pkg = match pkgs.as_slice() {
        [] => bail!("{} is in no configured repository", args.cpv),
        [one] => *one,
        many => bail!(
            "{} is in several repositories ({}); add ::REPO",
            args.cpv,
            many.iter()
                .map(|p| p.repo_name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let ev = Evaluator::new(tree, &profile);
    let state = ev.evaluate(pkg);
    let who = format!("{}::{} under {}", pkg.cpv(), pkg.repo_name, profile.name);
    match &args.flag {
        None => {
            if state.visible {
                println!(
                    "{who}: visible{}",
                    if state.stable {
                        ", stable keyword in use"
                    } else {
                        ""
                    }
                );
            } else {
                println!("{who}: not visible");
            }
            let mut n = 1;
            for m in &state.masked_by {
                let at = m
                    .loc
                    .as_ref()
                    .map(|l| format!(" ({l})"))
                    .unwrap_or_default();
                println!("  {n}. {}: {}{at}", m.kind.as_str(), m.detail);
                n += 1;
            }
            let kw: Vec<&str> = state.keywords.iter().map(|s| s.as_str()).collect();
            let acc: Vec<&str> = state.accepted.iter().map(|s| s.as_str()).collect();
            let akw_at = profile
                .vars()
                .get("ACCEPT_KEYWORDS")
                .and_then(|v| v.loc.as_ref())
                .map(|l| format!(" (set at {l})"))
                .unwrap_or_default();
            println!(
                "  {n}. KEYWORDS \"{}\" against accepted \"{}\"{akw_at}",
                kw.join(" "),
                acc.join(" ")
            );
        }
        Some(flag) => {
            let f = Sym::new(flag);
            let t = ev.trace_flag(pkg, f);
            if !t.in_iuse {
                println!("{who}: '{flag}' is not in IUSE (nor implicit in the profile), so it is never set");
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "{who}: '{flag}' is {}",
                if t.enabled { "enabled" } else { "disabled" }
            );
            let src = pkg
                .entry()
                .loc_of("IUSE")
                .map(|l| format!(" ({l})"))
                .unwrap_or_default();
            match t.iuse_default {
                Some(true) => println!("  1. IUSE default +{flag}{src}"),
                Some(false) => println!("  1. IUSE default -{flag}{src}"),
                None => println!("  1. no IUSE default"),
            }
            println!(
                "  2. USE: {}",
                describe(
                    &t.use_,
                    "set",
                    "unset",
                    "no profile USE or package.use entry names it"
                )
            );
            println!(
                "  3. use.force: {}",
                describe(&t.force, "forced", "unforced", "not forced")
            );
            if t.is_arch {
                println!("     it is ARCH, which Portage always enables unless masked");
            }
            println!(
                "  4. use.mask: {}",
                describe(&t.mask, "masked", "unmasked", "not masked")
            );
            let verdict = match (&t.mask, &t.force) {
                (Some(m), _) if m.on => "masked, so disabled whatever else says",
                (_, Some(fo)) if fo.on => "forced, so enabled",
                _ if t.is_arch => "the arch flag, so enabled",
                _ => {
                    if t.enabled {
                        "enabled by the USE decision above"
                    } else {
                        "disabled by the USE decision above"
                    }
                }
            };
            println!("  => {verdict}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn describe(d: &Option<Decision>, on: &str, off: &str, none: &str) -> String {
    match d {
        None => none.to_owned(),
        Some(d) => format!(
            "{} by '{}' at {}",
            if d.on { on } else { off },
            d.token,
            d.origin
        ),
    }
}
