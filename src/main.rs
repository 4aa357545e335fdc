//! `portolan`: what Gentoo profiles really set, and whether package sets
//! install under them, for whole arch x profile matrices at once.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bisect;
mod commands;
mod diff;
mod history;
mod load;
mod progress;
mod report;
mod stats;

#[derive(Parser)]
#[command(name = "portolan", version, about, max_term_width = 100)]
struct Cli {
    /// Read repositories from this repos.conf (a file or a folder of files).
    #[arg(long, global = true, value_name = "FILE")]
    repos_conf: Option<PathBuf>,
    /// Use this repository folder (repeatable; the first is the main one).
    #[arg(long = "repo", global = true, value_name = "DIR")]
    repos: Vec<PathBuf>,
    /// Keep the binary cache of parsed repositories here (default:
    /// $XDG_CACHE_HOME/portolan, else $HOME/.cache/portolan).
    #[arg(long, global = true, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Read every repository file, neither using nor writing the binary cache.
    #[arg(long, global = true, conflicts_with = "cache_dir")]
    no_cache: bool,
    /// Print the wall time and peak memory (RSS) on stderr at the end.
    #[arg(long, global = true)]
    stats: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compare two versions; prints -1, 0 or 1.
    Vercmp { a: String, b: String },
    /// Parse an atom and print its parts.
    Atom(commands::atom::Args),
    /// Run conformance vector files (versions, atoms, match, depspec, required_use).
    Conformance(commands::conformance::Args),
    /// List every profile of every configured repository's profiles.desc.
    Profiles(commands::profiles::Args),
    /// What profiles really set: stack, variables, USE, masks, sets.
    Show(commands::show::Args),
    /// Visibility and USE of package versions under profiles.
    Query(commands::query::Args),
    /// The file:line entries that decided a flag or the visibility.
    Why(commands::why::Args),
    /// Whether target sets install under profiles, with explanations.
    Check(commands::check::Args),
    /// Join the JSON outputs of `check --partition K/N` runs into one report.
    Merge(commands::merge::Args),
    /// What changed per profile between two revisions of a git repository.
    Diff(commands::diff::Args),
    /// The first commit where a set stops installing or a version gets masked.
    Bisect(commands::bisect::Args),
}

/// See Cargo.toml: the allocator is a measured part of the matrix commands' speed.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let start = std::time::Instant::now();
    restore_sigpipe();
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Vercmp { a, b } => commands::vercmp::run(a, b),
        Command::Atom(args) => commands::atom::run(args),
        Command::Conformance(args) => commands::conformance::run(args),
        Command::Profiles(args) => load::repositories(cli.repos_conf.as_deref(), &cli.repos)
            .and_then(|repos| commands::profiles::run(&repos, args)),
        Command::Show(args) => load::tree(&cli).and_then(|mut t| commands::show::run(&mut t, args)),
        Command::Query(args) => {
            load::tree_reading(&cli, args.select.all_profiles).and_then(|mut t| {
                let r = commands::query::run(&mut t, args);
                // The process ends here: freeing the tree (every profile
                // fold, every package) would only delay the exit, serially.
                // (plan_profiles has written the nodes' binary cache.)
                std::mem::forget(t);
                r
            })
        }
        Command::Why(args) => load::tree(&cli).and_then(|mut t| commands::why::run(&mut t, args)),
        Command::Check(args) => load::tree_reading(&cli, args.select.all_profiles)
            .and_then(|mut t| commands::check::run(&mut t, args)),
        Command::Merge(args) => commands::merge::run(args),
        Command::Diff(args) => commands::diff::run(&load::repos_conf(&cli), args),
        Command::Bisect(args) => commands::bisect::run(&load::repos_conf(&cli), args),
    };
    if cli.stats {
        stats::report(start);
    }
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("portolan: {}", message(&e));
            ExitCode::from(2)
        }
    }
}

/// Lets a write to a closed pipe end the process quietly, as it ends
/// `cat` or `grep` (`portolan show ... | head`). Rust ignores SIGPIPE, so
/// the write fails instead: `println!` then panics, and the matrix
/// commands stopped with "Broken pipe" and status 2.
fn restore_sigpipe() {
    // SAFETY: called first thing in main, before any thread starts;
    // SIG_DFL is a valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// The error and its causes joined by ": ", each cause once: engine errors
/// already quote their I/O cause ("cannot read F: No such file ..."), which
/// `{:#}` would print a second time.
fn message(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}
