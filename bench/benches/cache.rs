//! Criterion benchmarks of the binary cache (`engine/src/cache`): loading
//! the tree (`RepoSet` + `Tree::load*`) of the real corpus
//!
//! * `no_cache`: every md5-cache entry read and scanned (`Tree::load`);
//! * `cold`: through an empty cache folder (read, scan, write the cache);
//! * `warm`: through a valid cache (stat every input, map, reuse).
//!
//! `PORTOLAN_BENCH_CONF=DIR/repos.conf` benchmarks another corpus instead,
//! such as the Gentoo-scale one from `portolan-gen`.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use portolan_bench::real_repos_conf;
use portolan_engine::cache::CacheOptions;
use portolan_engine::repo::RepoSet;
use portolan_engine::tree::Tree;

fn conf() -> PathBuf {
    std::env::var_os("PORTOLAN_BENCH_CONF")
        .map(PathBuf::from)
        .unwrap_or_else(real_repos_conf)
}

fn load(c: &mut Criterion) {
    let conf = conf();
    let dir = std::env::temp_dir().join(format!("portolan-bench-cache-{}", std::process::id()));
    let opts = CacheOptions {
        dir: Some(dir.clone()),
    };
    let mut g = c.benchmark_group("cache_load");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    g.bench_function("no_cache", |b| {
        b.iter(|| black_box(Tree::load(RepoSet::from_repos_conf(&conf).unwrap()).unwrap()))
    });
    g.bench_function("cold", |b| {
        b.iter_batched(
            || {
                let _ = std::fs::remove_dir_all(&dir);
            },
            |()| {
                black_box(Tree::load_cached(
                    RepoSet::from_repos_conf(&conf).unwrap(),
                    &opts,
                ))
            },
            BatchSize::PerIteration,
        )
    });
    Tree::load_cached(RepoSet::from_repos_conf(&conf).unwrap(), &opts).unwrap();
    g.bench_function("warm", |b| {
        b.iter(|| {
            black_box(Tree::load_cached(
                RepoSet::from_repos_conf(&conf).unwrap(),
                &opts,
            ))
        })
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, load);
criterion_main!(benches);
