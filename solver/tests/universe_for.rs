//! `universe_for` (only what the targets can reach) gives the verdicts of
//! the whole `universe`, on the real corpus: every genpack profile and a
//! sample of the others, for @system and single packages,
//! with all and with runtime dependencies. Skipped when the corpus is
//! absent (set PORTOLAN_REAL_CORPUS).

use std::path::PathBuf;

use portolan_engine::atom::{Atom, AtomOptions};
use portolan_engine::repo::RepoSet;
use portolan_engine::tree::Tree;
use portolan_solver::profile::{universe, universe_for};
use portolan_solver::{solve, DepClasses, Request};

fn corpus() -> Option<PathBuf> {
    let p = std::env::var_os("PORTOLAN_REAL_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/shared/corpus/real"));
    p.join("repos.conf").is_file().then_some(p)
}

#[test]
fn verdicts_match_the_whole_universe() {
    let Some(corpus) = corpus() else {
        eprintln!("real corpus absent: skipped");
        return;
    };
    let mut tree =
        Tree::load(RepoSet::from_repos_conf(&corpus.join("repos.conf")).unwrap()).unwrap();
    let names: Vec<String> = tree
        .profiles_desc
        .iter()
        .enumerate()
        .filter(|(i, d)| d.path.starts_with("genpack") || i % 200 == 0)
        .map(|(_, d)| d.name(&tree.repos))
        .collect();
    assert!(names.len() > 15, "{names:?}");
    let singles = [
        "genpack/bridged-eth",
        "media-video/mediamtx",
        "sys-apps/iproute2[-minimal]",
        "sys-fs/squashfs-tools[lz4,zstd]",
        "net-im/slack-send-message",
        "dev-lang/python",
    ];
    let mut compared = 0;
    let mut installable = 0;
    for name in &names {
        let p = tree.profile(name).unwrap();
        let (whole, _) = universe(&tree, &p);
        let mut sets: Vec<(String, Vec<Atom>)> = vec![(
            "@system".into(),
            p.system.iter().map(|(a, _)| a.clone()).collect(),
        )];
        for s in singles {
            sets.push((
                s.into(),
                vec![Atom::parse(s, AtomOptions::unrestricted()).unwrap()],
            ));
        }
        for (label, atoms) in sets {
            let (part, _) = universe_for(&tree, &p, &atoms);
            for deps in [DepClasses::All, DepClasses::Runtime] {
                let mut req = Request::new(label.clone(), atoms.clone());
                req.deps = deps;
                let want = solve(&whole, &req);
                assert_eq!(solve(&part, &req), want, "{name} {label} {deps:?}");
                compared += 1;
                installable += want.installable as usize;
            }
        }
    }
    // Both answers occur, so the comparison means something.
    assert!(
        installable > 0 && installable < compared,
        "{installable}/{compared}"
    );
}
