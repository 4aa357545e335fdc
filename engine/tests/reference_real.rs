//! The reference resolver (`engine::reference`) against the fast path on
//! the real corpus: four profiles, every profile-level answer, and every
//! 10th package version's USE, force, mask, keywords and visibility.

#[path = "common/reference.rs"]
mod common;
use common::{fast_state, strs};

use std::path::Path;

use portolan_engine::evaluate::Evaluator;
use portolan_engine::reference::package::{RefPackage, RefState};
use portolan_engine::reference::profile::RefProfile;
use portolan_engine::reference::RefRepo;
use portolan_engine::repo::RepoSet;
use portolan_engine::tree::Tree;

const PROFILES: [&str; 4] = [
    "gentoo:default/linux/amd64/23.0",
    "gentoo:default/linux/arm64/23.0/systemd",
    "genpack-overlay:genpack/amd64/paravirt",
    "coreos-overlay:coreos/amd64/generic/prod",
];

/// The reference's answer with the order-free lists sorted.
pub fn normalized(mut r: RefState) -> RefState {
    r.enabled.sort();
    r.iuse_effective.sort();
    r.keywords.sort();
    r.accepted.sort();
    r
}

#[test]
fn reference_agrees_with_the_fast_path_on_the_real_corpus() {
    let conf = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/corpus/real/repos.conf"
    ));
    let repos = RepoSet::from_repos_conf(conf).unwrap();
    let refs = RefRepo::from_repo_set(&repos);
    let mut tree = Tree::load(repos).unwrap();
    let mut compared = 0;
    for name in PROFILES {
        let profile = tree.profile(name).unwrap();
        let (repo, path) = name.split_once(':').unwrap();
        let r = RefProfile::load(&refs, repo, path).unwrap();
        let stack: Vec<String> = profile
            .stack
            .iter()
            .map(|&id| tree.nodes.get(id).name.clone())
            .collect();
        let rstack: Vec<String> = r.stack.iter().map(|n| n.name.clone()).collect();
        assert_eq!(stack, rstack, "{name}: stack");
        let vars: Vec<(String, String)> = profile
            .vars()
            .iter()
            .map(|(k, v)| (k.clone(), v.value.clone()))
            .collect();
        let rvars: Vec<(String, String)> =
            r.vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        assert_eq!(vars, rvars, "{name}: variables");
        assert_eq!(strs(&profile.global_use()), r.global_use(), "{name}: USE");
        assert_eq!(
            strs(&profile.accept_keywords),
            r.accept_keywords(),
            "{name}: ACCEPT_KEYWORDS"
        );
        fn atoms<'a>(
            v: impl IntoIterator<Item = &'a (portolan_engine::atom::Atom, portolan_engine::source::Loc)>,
        ) -> Vec<String> {
            v.into_iter().map(|(a, _)| a.to_string()).collect()
        }
        assert_eq!(
            atoms(&profile.package_mask),
            r.package_mask,
            "{name}: package.mask"
        );
        assert_eq!(
            atoms(&profile.package_unmask),
            r.package_unmask,
            "{name}: package.unmask"
        );
        assert_eq!(atoms(&profile.system), r.system, "{name}: @system");
        assert_eq!(
            atoms(&profile.profile_set),
            r.profile_set,
            "{name}: @profile"
        );
        let ev = Evaluator::new(&tree, &profile);
        let mut failures = Vec::new();
        for pkg in tree.packages.packages.iter().step_by(10) {
            let rp = RefPackage::read(&pkg.repo_name.to_string(), pkg.entry().path()).unwrap();
            let fast = fast_state(&ev.evaluate(pkg));
            let slow = normalized(r.evaluate(&rp));
            if fast != slow {
                failures.push(format!(
                    "{name} {}:\n fast {fast:?}\n  ref {slow:?}",
                    pkg.cpv()
                ));
            }
            compared += 1;
        }
        assert!(
            failures.is_empty(),
            "{} differences:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
    assert!(compared >= 4 * 190, "{compared}");
}
