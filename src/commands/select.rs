//! Choosing profiles: names given (`REPO:PATH` or a bare `PATH`), or every
//! profile of every repository's profiles.desc (`--all-profiles`).

use std::collections::HashSet;

use anyhow::{bail, Result};
use portolan_engine::profile::stack::Profile;
use portolan_engine::tree::Tree;

#[derive(clap::Args, Clone)]
pub struct ProfileArgs {
    /// Profile to work on, `REPO:PATH` or a bare PATH (repeatable).
    #[arg(long = "profile", value_name = "PROFILE")]
    pub profiles: Vec<String>,
    /// Every profile listed in every repository's profiles.desc.
    #[arg(long)]
    pub all_profiles: bool,
}

/// The profile names to work on, in order; `extra` are positional names.
pub fn profile_names(tree: &Tree, args: &ProfileArgs, extra: &[String]) -> Result<Vec<String>> {
    let mut names: Vec<String> = args.profiles.iter().chain(extra).cloned().collect();
    if args.all_profiles {
        names.extend(tree.profiles_desc.iter().map(|d| d.name(&tree.repos)));
    }
    if names.is_empty() {
        bail!("no profile given: name one (REPO:PATH) or pass --all-profiles");
    }
    Ok(names)
}

/// Stacks the profile `name` and prints its warnings on stderr: what Portage
/// would skip with a message (an invalid atom, an unmatched removal) and
/// lines naming a category no repository has. Each warning is printed once
/// per run (`reported`), however many profiles share the node it is in.
pub fn load_profile(
    tree: &mut Tree,
    name: &str,
    reported: &mut HashSet<String>,
) -> Result<Profile> {
    let profile = tree.profile(name)?;
    let categories = tree.check_profile_categories(&profile);
    for w in profile.warnings.iter().chain(&categories) {
        let text = w.to_string();
        if !reported.contains(&text) {
            eprintln!("{text}");
            reported.insert(text);
        }
    }
    Ok(profile)
}
