//! Criterion benchmarks of the engine's parts on the real corpus
//! (`../shared/corpus/real`, 3 repositories, 509 profiles, 1902 versions):
//!
//! * `tree_load`: `RepoSet::from_repos_conf` + `Tree::load` (md5-cache,
//!   repository files).
//! * `stack_all_profiles/cold`: `tree.profile(name)` for all 509 profiles with
//!   an empty node store, so every profile node is read and parsed again (as
//!   a first `--all-profiles` run does).
//! * `stack_all_profiles/warm`: the same with every node already loaded
//!   (stacking only).
//! * `evaluate_one_profile`: `Evaluator::new` + `evaluate` of every version
//!   under one profile (`gentoo:default/linux/amd64/23.0`, and the deepest
//!   genpack stack).
//! * `evaluate_all_profiles`: the same for all 509 profiles (profiles stacked
//!   beforehand, not timed).
//! * `matrix/real`: what `query --all-profiles` decides, the way it decides
//!   it: `Evaluator::new` for the 509 stacked profiles, then
//!   `Matrix::new` over every version (each version evaluated once per
//!   group of agreeing profiles; no rendering, no output).
//!
//! Sample sizes and times are kept small so that `cargo bench -p
//! portolan-bench` finishes in a few minutes on 2 shared cores.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use portolan_bench::{all_profile_names, load_real_tree, real_repos_conf};
use portolan_engine::evaluate::{Evaluator, VersionFacts};
use portolan_engine::matrix::Matrix;
use portolan_engine::profile::node::NodeStore;
use portolan_engine::profile::stack::Profile;
use portolan_engine::repo::RepoSet;
use portolan_engine::tree::Tree;

const ONE_PROFILES: &[&str] = &[
    "gentoo:default/linux/amd64/23.0",
    "genpack-overlay:genpack/amd64/weston/paravirt",
];

fn tree_load(c: &mut Criterion) {
    let conf = real_repos_conf();
    let mut g = c.benchmark_group("tree_load");
    g.sample_size(20).measurement_time(Duration::from_secs(5));
    g.bench_function("real", |b| {
        b.iter(|| {
            let repos = RepoSet::from_repos_conf(&conf).unwrap();
            black_box(Tree::load(repos).unwrap())
        })
    });
    g.finish();
}

fn stack_all(tree: &mut Tree, names: &[String]) -> Vec<Profile> {
    names.iter().map(|n| tree.profile(n).unwrap()).collect()
}

fn stack_all_profiles(c: &mut Criterion) {
    let mut tree = load_real_tree();
    let names = all_profile_names(&tree);
    assert_eq!(names.len(), 509, "the real corpus lists 509 profiles");
    let mut g = c.benchmark_group("stack_all_profiles");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    // Cold: drop every cached node before each iteration (outside the timing),
    // so nodes are read from disk (page cache) and parsed again.
    g.bench_function("cold", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                tree.nodes = NodeStore::default();
                let t = Instant::now();
                let ps = stack_all(&mut tree, &names);
                total += t.elapsed();
                drop(black_box(ps));
            }
            total
        })
    });
    // Warm: nodes loaded once (by the last cold iteration and this call).
    drop(stack_all(&mut tree, &names));
    g.bench_function("warm", |b| {
        b.iter_batched(
            || (),
            |()| stack_all(&mut tree, &names),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn evaluate_one_profile(c: &mut Criterion) {
    let mut tree = load_real_tree();
    let profiles: Vec<Profile> = ONE_PROFILES
        .iter()
        .map(|n| tree.profile(n).unwrap())
        .collect();
    let tree = &tree;
    assert_eq!(tree.packages.packages.len(), 1902);
    let mut g = c.benchmark_group("evaluate_one_profile");
    g.sample_size(20).measurement_time(Duration::from_secs(5));
    for p in &profiles {
        g.bench_function(p.name.as_str(), |b| {
            b.iter(|| {
                let ev = Evaluator::new(tree, p);
                for pkg in &tree.packages.packages {
                    black_box(ev.evaluate(pkg));
                }
            })
        });
    }
    g.finish();
}

fn evaluate_all_profiles(c: &mut Criterion) {
    let mut tree = load_real_tree();
    let names = all_profile_names(&tree);
    let profiles = stack_all(&mut tree, &names);
    let tree = &tree;
    let mut g = c.benchmark_group("evaluate_all_profiles");
    // One iteration is several seconds: criterion's minimum of 10 samples of
    // one iteration each, no more.
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(1));
    g.bench_function("real", |b| {
        b.iter(|| {
            for p in &profiles {
                let ev = Evaluator::new(tree, p);
                for pkg in &tree.packages.packages {
                    black_box(ev.evaluate(pkg));
                }
            }
        })
    });
    g.finish();
}

fn matrix(c: &mut Criterion) {
    let mut tree = load_real_tree();
    let names = all_profile_names(&tree);
    let profiles = stack_all(&mut tree, &names);
    let tree = &tree;
    let versions: Vec<_> = tree.packages.packages.iter().collect();
    let mut g = c.benchmark_group("matrix");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    g.bench_function("real", |b| {
        b.iter(|| {
            // Fresh evaluators and facts each time: their tables are
            // filled on first use, as in one run of the command.
            let facts = VersionFacts::new(tree);
            let evaluators = Evaluator::all(tree, &profiles);
            black_box(Matrix::new(&evaluators, &versions, &facts).versions())
        })
    });
    g.finish();
}

criterion_group!(
    benches,
    tree_load,
    stack_all_profiles,
    evaluate_one_profile,
    evaluate_all_profiles,
    matrix
);
criterion_main!(benches);
