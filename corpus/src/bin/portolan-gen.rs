//! `portolan-gen`: generate a Gentoo-scale corpus, or measure a real one.
//!
//! ```text
//! portolan-gen --seed N --out DIR [--packages N] [--overlays 0|1|2] [--real GENTOO_DIR] [--link-profiles]
//! portolan-gen measure [--emit-vocab] REPO_DIR
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use portolan_corpus::{gen, measure};

const USAGE: &str =
    "usage: portolan-gen --seed N --out DIR [--packages N] [--overlays 0|1|2] [--real GENTOO_DIR]
                    [--link-profiles]
       portolan-gen measure [--emit-vocab] REPO_DIR

Generates a corpus folder (repos.conf, gentoo/, gen-overlay/, gen-extra/) the size of the
Gentoo tree (default 19000 packages) from a seed; the same seed and options give byte-identical
output. GENTOO_DIR is the real gentoo repository whose profiles/ is copied (default: found
through $PORTOLAN_REAL_CORPUS, ../shared/corpus/real or /work/shared/corpus/real).
--link-profiles symlinks gentoo/profiles to it instead of copying it (throw-away corpora).
`measure` prints the distributions of a repository's md5-cache (Markdown), or with
--emit-vocab the vocabulary tables of corpus/src/gen/vocab.rs.";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("portolan-gen: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return Ok(());
    }
    if args.first().map(String::as_str) == Some("measure") {
        let emit = args.iter().any(|a| a == "--emit-vocab");
        let dir = args[1..]
            .iter()
            .find(|a| !a.starts_with("--"))
            .map(PathBuf::from)
            .ok_or(USAGE)?;
        let s = measure::measure(&dir)?;
        if emit {
            print!("{}", s.vocab_rust(&dir.display().to_string()));
        } else {
            let arches = measure::read_arch_list(&dir.join("profiles"));
            print!("{}", s.report(&arches));
        }
        return Ok(());
    }
    let mut seed = None;
    let mut out = None;
    let mut packages = None;
    let mut overlays = None;
    let mut real = None;
    let mut link = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = |name: &str| {
            it.next()
                .cloned()
                .ok_or(format!("{name} needs a value\n{USAGE}"))
        };
        match a.as_str() {
            "--seed" => {
                seed = Some(
                    val("--seed")?
                        .parse::<u64>()
                        .map_err(|e| format!("--seed: {e}"))?,
                )
            }
            "--out" => out = Some(PathBuf::from(val("--out")?)),
            "--packages" => {
                packages = Some(
                    val("--packages")?
                        .parse::<usize>()
                        .map_err(|e| format!("--packages: {e}"))?,
                )
            }
            "--overlays" => {
                overlays = Some(
                    val("--overlays")?
                        .parse::<usize>()
                        .map_err(|e| format!("--overlays: {e}"))?,
                )
            }
            "--real" => real = Some(PathBuf::from(val("--real")?)),
            "--link-profiles" => link = true,
            other => return Err(format!("unknown argument '{other}'\n{USAGE}")),
        }
    }
    let (Some(seed), Some(out)) = (seed, out) else {
        return Err(USAGE.to_owned());
    };
    let mut opts = match real {
        Some(r) => gen::Options {
            seed,
            packages: gen::params::FULL_PACKAGES,
            overlays: 2,
            real_gentoo: r,
            link_profiles: false,
        },
        None => gen::Options::new(seed)?,
    };
    if let Some(p) = packages {
        opts.packages = p;
    }
    if let Some(o) = overlays {
        opts.overlays = o;
    }
    opts.link_profiles = link;
    let start = Instant::now();
    let s = gen::generate(&opts, &out)?;
    let secs = start.elapsed().as_secs_f64();
    for (name, p, v) in &s.repos {
        eprintln!("{name}: {p} packages, {v} versions");
    }
    eprintln!(
        "{} md5-cache entries ({:.1} MiB), {} profile files copied, in {secs:.2} s -> {}",
        s.entries,
        s.entry_bytes as f64 / (1024.0 * 1024.0),
        s.profile_files,
        out.display()
    );
    Ok(())
}
