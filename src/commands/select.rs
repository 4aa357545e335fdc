//! Choosing profiles: names given (`REPO:PATH` or a bare `PATH`), or every
//! profile of every repository's profiles.desc (`--all-profiles`).

use std::collections::HashSet;

use std::sync::Arc;

use anyhow::{bail, Result};
use portolan_engine::profile::node::NodeId;
use portolan_engine::profile::stack::{Fold, Profile};
use portolan_engine::repo::RepoId;
use portolan_engine::source::Warning;
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
    report_warnings(tree, &profile, reported);
    Ok(profile)
}

/// A profile ready to stack: its nodes loaded and its stack folded, which
/// is serial work shared between profiles (the tree's stacker memo), while
/// [`Planned::stack`] — the rest — runs on any thread. The matrix commands
/// plan every profile first and stack each one when its turn comes, so at
/// most a batch of stacked profiles is alive at once.
pub struct Planned {
    leaf: NodeId,
    fold: Arc<Fold>,
}

impl Planned {
    pub fn stack(&self, tree: &Tree) -> Profile {
        Profile::finish(&tree.nodes, self.leaf, &self.fold)
    }
}

/// Plans the profiles `names` (loading their nodes), in order.
pub fn plan_profiles(tree: &mut Tree, names: &[String]) -> Result<Vec<Planned>> {
    let known = |name: &str| {
        let (repo, path) = name.split_once(':')?;
        Some((tree.repos.by_name(repo)?.id, path.to_owned()))
    };
    let leaves: Vec<Option<(RepoId, String)>> = names.iter().map(|n| known(n)).collect();
    // Directories are read on all threads first; loading then takes them
    // in order, so node numbers and the first error are as if read here.
    let ahead: Vec<(RepoId, &str)> = leaves
        .iter()
        .flatten()
        .map(|(repo, path)| (*repo, path.as_str()))
        .collect();
    tree.nodes.read_ahead(&tree.repos, &ahead);
    let mut loaded = Vec::with_capacity(names.len());
    for (name, known) in names.iter().zip(&leaves) {
        loaded.push(match known {
            Some((repo, path)) => tree.nodes.load(&tree.repos, *repo, path)?,
            // A bare PATH, or an unknown repository (the tree says which).
            None => tree.profile(name)?.leaf,
        });
    }
    let folds = tree.stacker.fold_all(&tree.repos, &tree.nodes, &loaded);
    let out = loaded
        .into_iter()
        .zip(folds)
        .map(|(leaf, fold)| Planned { leaf, fold })
        .collect();
    // Every node is loaded now: keep what was recorded. `query` does not
    // free the tree at exit (so the store's drop, which would write it,
    // never runs). A failed write is silent as on drop: the package cache
    // of the same folder has already warned.
    if let Some(inputs) = tree.nodes.inputs_mut() {
        inputs.flush(&mut Vec::new());
    }
    Ok(out)
}

/// Prints the warnings of `profile` (see [`load_profile`]) not yet in
/// `reported`.
pub fn report_warnings(tree: &Tree, profile: &Profile, reported: &mut HashSet<String>) {
    let categories = tree.check_profile_categories(profile);
    report_checked_warnings(profile, &categories, reported);
}

/// [`report_warnings`] with the category check already made (`categories`,
/// from [`Tree::check_profile_categories`]), so that callers stacking
/// profiles in parallel make it there rather than on the printing thread.
pub fn report_checked_warnings(
    profile: &Profile,
    categories: &[Warning],
    reported: &mut HashSet<String>,
) {
    for w in profile.warnings.iter().chain(categories) {
        let text = w.to_string();
        if !reported.contains(&text) {
            eprintln!("{text}");
            reported.insert(text);
        }
    }
}
