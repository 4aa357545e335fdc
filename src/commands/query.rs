//! `portolan query [--profile P]... [--all-profiles] [--cpvs-from FILE]
//! [--json] [CPV...]`: visibility and USE of package versions per profile.

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

use std::fmt::Write as _;
use std::io::Write as _;

use ahash::HashMap;
use anyhow::{Context, Result};
use portolan_engine::evaluate::{Answer, Evaluator, VersionFacts};
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
    select: ProfileArgs,
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
        tree.packages
            .packages
            .iter()
            .map(|p| Item::Version(p, Rendered::default()))
            .collect()
    } else {
        let mut items = Vec::new();
        for w in &wanted {
            let found = tree.packages.find_cpv(w);
            if found.is_empty() {
                items.push(Item::NotFound(w.clone()));
            }
            items.extend(
                found
                    .into_iter()
                    .map(|p| Item::Version(p, Rendered::default())),
            );
        }
        items
    };
    let facts = VersionFacts::new(tree);
    // Small: each profile's text is one larger write, which BufWriter passes
    // straight through rather than copying.
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    // Profiles are evaluated in parallel, a batch at a time so that output
    // stays in order and memory bounded (a batch holds about 64 MB of text).
    let batch = (256 * 1024 / selection.len().max(1)).clamp(2 * rayon::current_num_threads(), 64);
    let mut reported = HashSet::new();
    let progress = Progress::profiles(plans.len());
    // Output buffers are reused from batch to batch: fresh ones would be
    // page-faulted in again each time (a tenth of the matrix's CPU).
    let mut pool: Vec<Vec<u8>> = Vec::new();
    for chunk in plans.chunks(batch) {
        let mut bufs: Vec<Vec<u8>> = (0..chunk.len())
            .map(|_| pool.pop().unwrap_or_default())
            .collect();
        // Each task renders a few profiles together, version by version, so
        // that a version's rendered answers are looked up while in cache.
        let done: Vec<Vec<(Profile, Vec<Warning>)>> = chunk
            .par_chunks(GROUP)
            .zip(bufs.par_chunks_mut(GROUP))
            .map(|(group, bufs)| {
                let profiles: Vec<Profile> = group.iter().map(|plan| plan.stack(tree)).collect();
                render_profiles(tree, &profiles, &selection, &facts, args.json, bufs);
                progress.inc(group.len());
                profiles
                    .into_iter()
                    .map(|p| {
                        let categories = tree.check_profile_categories(&p);
                        (p, categories)
                    })
                    .collect()
            })
            .collect();
        for ((p, categories), mut text) in done.into_iter().flatten().zip(bufs) {
            progress.suspend(|| report_checked_warnings(&p, &categories, &mut reported));
            out.write_all(&text)?;
            text.clear();
            pool.push(text);
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// How many profiles one task renders together (see [`render_profiles`]).
const GROUP: usize = 16;

/// One entry of the selection: a version, with the renderings of its
/// distinct answers so far, or a name that matched nothing.
enum Item<'a> {
    Version(&'a Package, Rendered),
    NotFound(String),
}

/// A version's line after the profile name, once per distinct answer:
/// profiles mostly agree about a version, so a whole matrix renders each
/// answer once and copies it for every profile that gives it. Answers
/// that fit are keyed by their [`pack`]ed form (no heap key to hash and
/// compare), the others by the answer itself.
#[derive(Default)]
struct Rendered(Mutex<Seen>);

#[derive(Default)]
struct Seen {
    packed: HashMap<u128, Box<[u8]>>,
    other: HashMap<Answer, Box<[u8]>>,
}

/// `answer` as one integer, when it has at most 36 flags and 3 mask
/// reasons: 3 bits per flag from bit 0, `stable` at bit 108, and each
/// mask reason as 4 bits (its kind plus one) from bit 109. The flag count
/// is the version's IUSE length, so within one version the packing is
/// one-to-one.
fn pack(a: &Answer) -> Option<u128> {
    if a.flags.len() > 36 || a.masked_by.len() > 3 {
        return None;
    }
    let mut key = 0u128;
    for (i, &bits) in a.flags.iter().enumerate() {
        key |= u128::from(bits & 7) << (3 * i);
    }
    key |= u128::from(a.stable) << 108;
    for (i, &m) in a.masked_by.iter().enumerate() {
        key |= (m as u128 + 1) << (109 + 4 * i);
    }
    Some(key)
}

impl Rendered {
    fn write(&self, pkg: &Package, answer: &Answer, json: bool, buf: &mut Vec<u8>) {
        let key = pack(answer);
        let mut seen = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let known = match key {
            Some(k) => seen.packed.get(&k),
            None => seen.other.get(answer),
        };
        if let Some(text) = known {
            buf.extend_from_slice(text);
            return;
        }
        let mut text = String::with_capacity(256);
        if json {
            json_suffix(&mut text, pkg, answer);
        } else {
            text_suffix(&mut text, pkg, answer);
        }
        buf.extend_from_slice(text.as_bytes());
        let text = text.into_bytes().into_boxed_slice();
        match key {
            Some(k) => {
                seen.packed.insert(k, text);
            }
            None => {
                seen.other.insert(answer.clone(), text);
            }
        }
    }
}

/// The output of each of `profiles` into `bufs` (as many, empty), in
/// order. Versions are the outer loop:
/// the profiles of a group look a version's answers up one after the
/// other while its table is in cache, rather than once per pass over the
/// whole selection.
fn render_profiles(
    tree: &Tree,
    profiles: &[Profile],
    selection: &[Item],
    facts: &VersionFacts,
    json: bool,
    bufs: &mut [Vec<u8>],
) {
    let evs: Vec<Evaluator> = profiles.iter().map(|p| Evaluator::new(tree, p)).collect();
    for buf in bufs.iter_mut() {
        buf.reserve(selection.len() * 256);
    }
    // The line's start, the same for every version of a profile.
    let prefixes: Vec<String> = profiles
        .iter()
        .map(|p| {
            let mut prefix = String::new();
            if json {
                prefix.push_str("{\"profile\":");
                json_str(&mut prefix, &p.name);
            } else {
                prefix.push_str(&p.name);
                prefix.push_str("  ");
            }
            prefix
        })
        .collect();
    let mut answer = Answer::default();
    // The previous profile's answer for this version and its rendering:
    // neighbouring profiles mostly agree, and comparing with it skips the
    // shared table's lock and lookup.
    let mut last = Answer::default();
    let mut last_text: Vec<u8> = Vec::new();
    for item in selection {
        last_text.clear();
        for (k, ev) in evs.iter().enumerate() {
            let buf = &mut bufs[k];
            match item {
                Item::Version(pkg, rendered) => {
                    ev.answer_into(pkg, facts, &mut answer);
                    buf.extend_from_slice(prefixes[k].as_bytes());
                    if !last_text.is_empty() && answer == last {
                        buf.extend_from_slice(&last_text);
                        continue;
                    }
                    let start = buf.len();
                    rendered.write(pkg, &answer, json, buf);
                    last_text.clear();
                    last_text.extend_from_slice(&buf[start..]);
                    std::mem::swap(&mut answer, &mut last);
                }
                Item::NotFound(asked) => {
                    let name = &profiles[k].name;
                    let (cpv, repo) = match asked.split_once("::") {
                        Some((c, r)) => (c, Some(r)),
                        None => (asked.as_str(), None),
                    };
                    if json {
                        buf.extend_from_slice(
                            json!({"profile": name, "cpv": cpv, "repo": repo, "error": "not found"})
                                .to_string()
                                .as_bytes(),
                        );
                    } else {
                        let _ = write!(buf, "{name}  {cpv}  not found");
                    }
                    buf.push(b'\n');
                }
            }
        }
    }
}

/// The `query --json` line after the profile: `,"cpv":...}` and newline.
fn json_suffix(buf: &mut String, pkg: &Package, a: &Answer) {
    buf.push_str(",\"cpv\":");
    json_str(buf, pkg.cpv());
    buf.push_str(",\"repo\":");
    json_str(buf, pkg.repo_name.as_str());
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

/// The text line after the profile: `CPV::REPO  VISIBILITY  USE="..."`.
fn text_suffix(buf: &mut String, pkg: &Package, a: &Answer) {
    let _ = write!(buf, "{}::{}  ", pkg.cpv(), pkg.repo_name);
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
