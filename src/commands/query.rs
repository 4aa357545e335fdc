//! `portolan query [--profile P]... [--all-profiles] [--cpvs-from FILE]
//! [--json] [CPV...]`: visibility and USE of package versions per profile.

use std::collections::HashSet;
use std::io::{IoSlice, Write as _};
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::process::ExitCode;

use std::fmt::Write as _;

use anyhow::{Context, Result};
use portolan_engine::evaluate::{Answer, Evaluator, VersionFacts};
use portolan_engine::matrix::Matrix;
use portolan_engine::package::Package;
use portolan_engine::profile::stack::Profile;
use portolan_engine::source::Warning;
use portolan_engine::tree::Tree;
use rayon::prelude::*;
use serde_json::json;

use crate::progress::Progress;

use super::select::{plan_profiles, profile_names, report_checked_warnings, ProfileArgs};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub select: ProfileArgs,
    /// Read CPVs (`CAT/PF` or `CAT/PF::REPO`, one per line, `#` comments).
    #[arg(long, value_name = "FILE")]
    cpvs_from: Option<PathBuf>,
    /// One JSON object per (profile, version) and line.
    #[arg(long)]
    json: bool,
    /// Versions to evaluate; none means every version of every repository.
    cpvs: Vec<String>,
}

pub fn run(tree: &mut Tree, args: &Args) -> Result<ExitCode> {
    let mut wanted: Vec<String> = args.cpvs.clone();
    if let Some(file) = &args.cpvs_from {
        let text =
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            if !line.is_empty() {
                wanted.push(line.to_owned());
            }
        }
    }
    let names = profile_names(tree, &args.select, &[])?;
    let plans = plan_profiles(tree, &names)?;
    let tree = &*tree;
    // Resolve the selection once, in output order.
    let selection: Vec<Item> = if wanted.is_empty() {
        tree.packages.packages.iter().map(Item::Version).collect()
    } else {
        let mut items = Vec::new();
        for w in &wanted {
            let found = tree.packages.find_cpv(w);
            if found.is_empty() {
                items.push(Item::NotFound(w.clone()));
            }
            items.extend(found.into_iter().map(Item::Version));
        }
        items
    };
    // Every profile stacked at once (a whole matrix is answered version by
    // version, across profiles), its warnings printed in order.
    let stacked: Vec<(Profile, Vec<Warning>)> = plans
        .par_iter()
        .map(|plan| {
            let p = plan.stack(tree);
            let categories = tree.check_profile_categories(&p);
            (p, categories)
        })
        .collect();
    let mut reported = HashSet::new();
    for (p, categories) in &stacked {
        report_checked_warnings(p, categories, &mut reported);
    }
    let profiles: Vec<&Profile> = stacked.iter().map(|(p, _)| p).collect();
    // The versions' facts need only the tree: worked out beside the
    // evaluators rather than after them, on one thread.
    let (evaluators, facts) = rayon::join(
        || Evaluator::all(tree, profiles.iter().copied()),
        || VersionFacts::new(tree),
    );
    let versions: Vec<&Package> = selection
        .iter()
        .filter_map(|item| match item {
            Item::Version(p) => Some(*p),
            Item::NotFound(_) => None,
        })
        .collect();
    // The bar counts versions answered under every profile, then
    // profiles written.
    let answering = Progress::of(versions.len(), "versions answered");
    let matrix = Matrix::with_progress(&evaluators, &versions, &facts, &|n| answering.inc(n));
    drop(answering);
    // The evaluators are done with: freed (on all threads) before the
    // answers are rendered, the text reuses their memory rather than
    // memory never touched yet, which costs more to fault in than to free.
    evaluators.into_par_iter().for_each(drop);
    // Each version's distinct answers rendered once, after the profile.
    let rendered: Vec<Rendered> = versions
        .par_iter()
        .enumerate()
        .map_init(String::new, |buf, (v, pkg)| {
            Rendered::new(pkg, matrix.answers(v), args.json, buf)
        })
        .collect();
    // Each line as the two slices it is written from: the profile's
    // prefix and the version's answer, made once.
    let lines: Vec<Vec<IoSlice>> = rendered.par_iter().map(Rendered::lines).collect();
    let prefixes: Vec<String> = profiles.iter().map(|p| prefix(p, args.json)).collect();
    let progress = Progress::of(profiles.len(), "profiles written");
    let mut out = Output::stdout()?;
    // Without names that matched nothing (the usual case, a whole tree),
    // a row is the versions' lines alone: the loop needs no per-item match.
    let every_name_found = selection.iter().all(|i| matches!(i, Item::Version(_)));
    for (k, (profile, prefix)) in profiles.iter().zip(&prefixes).enumerate() {
        let prefix = IoSlice::new(prefix.as_bytes());
        let mut numbers = matrix.row(k);
        if every_name_found {
            for (answers, n) in lines.iter().zip(numbers) {
                out.push_line(prefix, answers[n as usize])?;
            }
        } else {
            let mut version = 0;
            for item in &selection {
                match item {
                    Item::Version(_) => {
                        let n = numbers.next().unwrap_or_default();
                        out.push_line(prefix, lines[version][n as usize])?;
                        version += 1;
                    }
                    Item::NotFound(asked) => {
                        out.owned(not_found(&profile.name, asked, args.json))?
                    }
                }
            }
        }
        progress.inc(1);
    }
    out.flush()?;
    // The process ends after this command (see main): freeing the stacked
    // profiles, the matrix and its text, serially, would only delay the
    // exit.
    drop(out);
    std::mem::forget(lines);
    std::mem::forget((matrix, rendered));
    std::mem::forget(stacked);
    Ok(ExitCode::SUCCESS)
}

/// A version's distinct answers as written after the profile name, one
/// after the other in one buffer.
struct Rendered {
    text: Box<[u8]>,
    /// Where each answer's text ends.
    ends: Vec<u32>,
}

impl Rendered {
    /// Renders through `buf`, a buffer kept between versions, then copies
    /// the text at its exact size: no capacity guessed per version, and
    /// no more memory than the text takes.
    fn new(pkg: &Package, answers: &[Answer], json: bool, buf: &mut String) -> Rendered {
        // What every answer's line starts with (`CPV::REPO  `).
        let mut head = String::new();
        if json {
            json_head(&mut head, pkg);
        } else {
            head.push_str(pkg.cpv());
            head.push_str("::");
            head.push_str(pkg.repo_name.as_str());
            head.push_str("  ");
        }
        let text = buf;
        text.clear();
        let mut ends = Vec::with_capacity(answers.len());
        for a in answers {
            text.push_str(&head);
            if json {
                json_rest(text, pkg, a);
            } else {
                text_rest(text, pkg, a);
            }
            ends.push(text.len() as u32);
        }
        Rendered {
            text: text.as_bytes().into(),
            ends,
        }
    }

    /// Each answer's text, as a slice to write.
    fn lines(&self) -> Vec<IoSlice<'_>> {
        (0..self.ends.len() as u32)
            .map(|k| IoSlice::new(self.get(k)))
            .collect()
    }

    /// Answer number `k`'s text.
    fn get(&self, k: u32) -> &[u8] {
        let k = k as usize;
        let start = if k == 0 { 0 } else { self.ends[k - 1] as usize };
        &self.text[start..self.ends[k] as usize]
    }
}

/// One entry of the selection: a version, or a name that matched nothing.
enum Item<'a> {
    Version(&'a Package),
    NotFound(String),
}

/// The start of each of a profile's lines.
fn prefix(profile: &Profile, json: bool) -> String {
    let mut prefix = String::new();
    if json {
        prefix.push_str("{\"profile\":");
        json_str(&mut prefix, &profile.name);
    } else {
        prefix.push_str(&profile.name);
        prefix.push_str("  ");
    }
    prefix
}

/// The line for a name in the selection that matched no version.
fn not_found(profile: &str, asked: &str, json: bool) -> Vec<u8> {
    let (cpv, repo) = match asked.split_once("::") {
        Some((c, r)) => (c, Some(r)),
        None => (asked, None),
    };
    let mut line = if json {
        json!({"profile": profile, "cpv": cpv, "repo": repo, "error": "not found"}).to_string()
    } else {
        format!("{profile}  {cpv}  not found")
    };
    line.push('\n');
    line.into_bytes()
}

/// Standard output written with vectored writes: a matrix's lines are a
/// profile's prefix and a version's rendered answer, shared by every
/// profile that gives it, so they are handed to the kernel where they lie
/// rather than copied into one buffer (hundreds of megabytes for a whole
/// tree).
struct Output<'a> {
    file: std::fs::File,
    slices: Vec<IoSlice<'a>>,
    /// How many bytes `slices` hold.
    pending: usize,
}

/// How many slices one `writev` takes (IOV_MAX on Linux).
const SLICES: usize = 1024;

impl<'a> Output<'a> {
    fn stdout() -> Result<Output<'a>> {
        let fd = std::io::stdout()
            .as_fd()
            .try_clone_to_owned()
            .context("duplicating standard output")?;
        Ok(Output {
            file: std::fs::File::from(fd),
            slices: Vec::with_capacity(SLICES),
            pending: 0,
        })
    }

    /// Writes a line's two slices after what was pushed.
    fn push_line(&mut self, prefix: IoSlice<'a>, rest: IoSlice<'a>) -> Result<()> {
        self.pending += prefix.len() + rest.len();
        self.slices.extend([prefix, rest]);
        if self.slices.len() >= SLICES {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes `line`, made for one profile only, after what was pushed.
    fn owned(&mut self, line: Vec<u8>) -> Result<()> {
        self.flush()?;
        self.file.write_all(&line)?;
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        let mut slices = &mut self.slices[..];
        let mut left = self.pending;
        while left > 0 {
            let n = self.file.write_vectored(slices)?;
            if n == 0 {
                anyhow::bail!("standard output accepts no more bytes");
            }
            left -= n;
            // A file takes every byte at once: only a short write (a pipe
            // that filled up) needs the slices walked to find where it
            // stopped.
            if left > 0 {
                IoSlice::advance_slices(&mut slices, n);
            }
        }
        self.slices.clear();
        self.pending = 0;
        Ok(())
    }
}

/// The start of a `query --json` line after the profile: `,"cpv":...,"repo":...`.
fn json_head(buf: &mut String, pkg: &Package) {
    buf.push_str(",\"cpv\":");
    json_str(buf, pkg.cpv());
    buf.push_str(",\"repo\":");
    json_str(buf, pkg.repo_name.as_str());
}

/// The rest of a `query --json` line: `,"visible":...}` and newline.
fn json_rest(buf: &mut String, pkg: &Package, a: &Answer) {
    buf.push_str(if a.visible() {
        ",\"visible\":true"
    } else {
        ",\"visible\":false"
    });
    buf.push_str(",\"masked_by\":");
    json_list(buf, a.masked_by.iter().map(|m| m.as_str()));
    buf.push_str(if a.stable {
        ",\"stable\":true"
    } else {
        ",\"stable\":false"
    });
    for (key, bit) in [
        ("use", Answer::ON),
        ("forced", Answer::FORCED),
        ("masked", Answer::MASKED),
    ] {
        buf.push_str(",\"");
        buf.push_str(key);
        buf.push_str("\":");
        json_list(
            buf,
            pkg.iuse
                .iter()
                .zip(&a.flags)
                .filter(|(_, &bits)| bits & bit != 0)
                .map(|((f, _), _)| f.as_str()),
        );
    }
    buf.push_str("}\n");
}

fn json_list<'a>(buf: &mut String, items: impl Iterator<Item = &'a str>) {
    buf.push('[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            buf.push(',');
        }
        json_str(buf, item);
    }
    buf.push(']');
}

fn json_str(buf: &mut String, s: &str) {
    buf.push('"');
    if !s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        buf.push_str(s);
    } else {
        for c in s.chars() {
            match c {
                '"' => buf.push_str("\\\""),
                '\\' => buf.push_str("\\\\"),
                c if (c as u32) < 0x20 => {
                    let _ = write!(buf, "\\u{:04x}", c as u32);
                }
                c => buf.push(c),
            }
        }
    }
    buf.push('"');
}

/// The text line after `CPV::REPO  `: `VISIBILITY  USE="..."`.
fn text_rest(buf: &mut String, pkg: &Package, a: &Answer) {
    if a.visible() {
        buf.push_str(if a.stable {
            "visible (stable)"
        } else {
            "visible"
        });
    } else {
        buf.push_str("masked by ");
        for (i, m) in a.masked_by.iter().enumerate() {
            if i > 0 {
                buf.push_str(", ");
            }
            buf.push_str(m.as_str());
        }
    }
    buf.push_str("  USE=\"");
    for (i, ((f, _), &bits)) in pkg.iuse.iter().zip(&a.flags).enumerate() {
        if i > 0 {
            buf.push(' ');
        }
        if bits & Answer::ON == 0 {
            buf.push('-');
        }
        buf.push_str(f.as_str());
        if bits & Answer::MASKED != 0 {
            buf.push('%');
        } else if bits & Answer::FORCED != 0 {
            buf.push('*');
        }
    }
    buf.push_str("\"\n");
}
