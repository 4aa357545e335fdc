//! A whole matrix: every selected version under every profile, each
//! version's answer worked out once per distinct relevant profile state.
//!
//! Profiles mostly agree about a version. Under a profile that names the
//! version's package nowhere (no package.use, .force, .mask, .keywords or
//! accept_keywords line, no mask or unmask for it: most pairs), the answer
//! depends on the profile only through its *base* verdict on the version
//! (keywords accepted, stable, licenses accepted, metadata valid: decided
//! by ACCEPT_KEYWORDS, ACCEPT_LICENSE and the implicit flags, a few
//! distinct values across a whole tree, see `Evaluator::base_verdict`)
//! and through the profile-wide codes of the version's IUSE flags
//! (`Evaluator::flag_table`), most of which are the same in every
//! profile. So for each version the profiles are split by base verdict,
//! then by the code of each of the version's flags whose code differs
//! between profiles (only the bits for the version's IUSE default), and
//! one profile of each part is evaluated for all of it.
//!
//! A profile that does name the package joins the profiles with the same
//! base that read the very same lines about it and agree on the
//! profile-wide verdicts of the flags those lines name, the lines and the
//! verdicts in the same order: the package's *context* (`context_key`;
//! only flags in some version's IUSE count, the answer holding no other).
//! Positions count by rank only, so a profile of each arch, reading
//! `base` at another depth of its stack, can share one. Lines with
//! wildcard flags, and parts under which a license of the version is not
//! accepted while its LICENSE has conditionals on flags outside IUSE (its
//! answer then depends on the USE of the implicit flags too), are
//! evaluated profile by profile.
//!
//! Every answer is [`Evaluator::answer_into`]'s, or for a part of profiles
//! naming nowhere the package, `Evaluator::answer_from_base`'s (the same
//! decisions from the base verdict already made): grouping only decides
//! how often they are asked. `tests/evaluate_real.rs`, `tests/matrix.rs`
//! and the reference property test compare the matrix with one full
//! evaluation per pair.

use ahash::HashMap;
use rayon::prelude::*;

use crate::evaluate::{Answer, Base, Evaluator, VersionFacts};
use crate::intern::Sym;
use crate::package::Package;
use crate::profile::flags::{Layer, Pos, Verdict};

/// The answers of some versions under some profiles.
pub struct Matrix {
    profiles: usize,
    /// Per version, in the order given, its distinct answers in order of
    /// the first profile giving each.
    answers: Vec<Vec<Answer>>,
    /// Each (profile, version)'s answer number, in tiles of [`TILE`]
    /// versions: tile `t` holds, profile after profile, the numbers of
    /// versions `t * TILE..`. Written per tile, read a profile at a time
    /// (the order `query` prints), both in cache.
    tiles: Vec<Vec<u32>>,
}

/// Versions per tile of [`Matrix::tiles`].
const TILE: usize = 64;

/// One version under every profile: its distinct answers and each
/// profile's answer number.
struct Column {
    answers: Vec<Answer>,
    of_profile: Vec<u32>,
}

impl Matrix {
    /// The answer of each of `versions` under each profile of `evaluators`
    /// (which must come from the same tree as `facts`).
    pub fn new(
        evaluators: &[Evaluator<'_>],
        versions: &[&Package],
        facts: &VersionFacts,
    ) -> Matrix {
        Matrix::with_progress(evaluators, versions, facts, &|_| {})
    }

    /// [`Matrix::new`], calling `done(n)` (from any thread) each time `n`
    /// more versions are answered under every profile.
    pub fn with_progress(
        evaluators: &[Evaluator<'_>],
        versions: &[&Package],
        facts: &VersionFacts,
        done: &(dyn Fn(usize) + Sync),
    ) -> Matrix {
        let profiles = evaluators.len();
        if profiles == 0 {
            return Matrix {
                profiles,
                answers: vec![Vec::new(); versions.len()],
                tiles: versions.chunks(TILE).map(|_| Vec::new()).collect(),
            };
        }
        let plan = Plan::new(evaluators, versions, facts);
        let tiles: Vec<(Vec<Vec<Answer>>, Vec<u32>)> = versions
            .par_chunks(TILE)
            .enumerate()
            .map_init(
                || Scratch::new(profiles),
                |scratch, (t, chunk)| {
                    let columns: Vec<Column> = chunk
                        .iter()
                        .enumerate()
                        .map(|(j, pkg)| plan.column(evaluators, t * TILE + j, pkg, facts, scratch))
                        .collect();
                    let mut tile = vec![0u32; profiles * chunk.len()];
                    for (j, column) in columns.iter().enumerate() {
                        for (k, &n) in column.of_profile.iter().enumerate() {
                            tile[k * chunk.len() + j] = n;
                        }
                    }
                    done(chunk.len());
                    (columns.into_iter().map(|c| c.answers).collect(), tile)
                },
            )
            .collect();
        let mut answers = Vec::with_capacity(versions.len());
        let mut numbers = Vec::with_capacity(tiles.len());
        for (a, tile) in tiles {
            answers.extend(a);
            numbers.push(tile);
        }
        Matrix {
            profiles,
            answers,
            tiles: numbers,
        }
    }

    /// How many versions there are.
    pub fn versions(&self) -> usize {
        self.answers.len()
    }

    /// The distinct answers of version number `version`.
    pub fn answers(&self, version: usize) -> &[Answer] {
        &self.answers[version]
    }

    /// The number (in [`Matrix::answers`]) of the answer of version
    /// `version` under profile `profile`.
    pub fn number(&self, profile: usize, version: usize) -> u32 {
        let tile = &self.tiles[version / TILE];
        let width = tile.len() / self.profiles;
        tile[profile * width + version % TILE]
    }

    /// The answer of version `version` under profile `profile`.
    pub fn answer(&self, profile: usize, version: usize) -> &Answer {
        &self.answers[version][self.number(profile, version) as usize]
    }

    /// The answer numbers of every version under profile `profile`, in
    /// order.
    pub fn row(&self, profile: usize) -> impl Iterator<Item = u32> + '_ {
        self.tiles.iter().flat_map(move |tile| {
            let width = tile.len() / self.profiles;
            tile[profile * width..(profile + 1) * width].iter().copied()
        })
    }
}

/// How one flag's profile-wide code splits the profiles: `of[p]` is the
/// part of profile `p`, one part per distinct code.
struct Split {
    parts: u32,
    of: Vec<u32>,
}

/// What the per-version work shares: each profile's base, the profiles
/// naming each package and their contexts, and the splits of the flags
/// whose codes differ.
struct Plan {
    base: Vec<u32>,
    bases: u32,
    /// Per package (dense id), the profiles that name it, each with its
    /// context's number among that package's (or ALONE).
    naming: Vec<Vec<(u32, u32)>>,
    /// Per version, its package's dense id.
    package_of: Vec<u32>,
    /// Per dense flag id and IUSE default (none, `+`, `-`), how the
    /// profiles split by the code's bits for that default; None when they
    /// all agree.
    splits: Vec<[Option<Split>; 3]>,
}

/// A profile's part: evaluated on its own.
const ALONE: u32 = u32::MAX;
/// Splits whose parts times classes exceed this renumber through a map.
const DENSE_LIMIT: usize = 1 << 12;

impl Plan {
    fn new(evs: &[Evaluator<'_>], versions: &[&Package], facts: &VersionFacts) -> Plan {
        let mut ids: HashMap<Sym, u32> = HashMap::default();
        let package_of: Vec<u32> = versions.iter().map(|p| number(&mut ids, p.cp)).collect();
        let named: Vec<Vec<u32>> = evs
            .par_iter()
            .map(|ev| {
                let mut v: Vec<u32> = ev
                    .named_packages()
                    .filter_map(|cp| ids.get(&cp).copied())
                    .collect();
                v.sort_unstable();
                v.dedup();
                v
            })
            .collect();
        let mut naming: Vec<Vec<u32>> = vec![Vec::new(); ids.len()];
        for (p, cps) in named.iter().enumerate() {
            for &cp in cps {
                naming[cp as usize].push(p as u32);
            }
        }
        let mut known: HashMap<Base, u32> = HashMap::default();
        let base = evs.iter().map(|ev| number(&mut known, ev.base())).collect();
        // The flag tables first, in parallel: contexts read them.
        let tables: Vec<&[u32]> = evs.par_iter().map(|ev| ev.flag_table(facts)).collect();
        let naming = contexts(evs, &naming, versions, &package_of, facts);
        let splits = (0..facts.flag_count())
            .into_par_iter()
            .map(|id| [0, 1, 2].map(|d| split(&tables, id, d)))
            .collect();
        Plan {
            base,
            bases: known.len() as u32,
            naming,
            package_of,
            splits,
        }
    }

    /// Version number `i` (`pkg`) under every profile.
    fn column(
        &self,
        evs: &[Evaluator<'_>],
        i: usize,
        pkg: &Package,
        facts: &VersionFacts,
        scratch: &mut Scratch,
    ) -> Column {
        let Scratch {
            part,
            dense,
            map,
            answer_of,
            verdict_of,
            answer,
        } = scratch;
        // Parts 0..16 are base verdicts; naming profiles' parts (base and
        // context) are numbered after them.
        const NAMING: u32 = u32::MAX - 1;
        const UNKNOWN: u8 = u8::MAX;
        let naming = &self.naming[self.package_of[i] as usize];
        part.clear();
        part.resize(evs.len(), 0);
        for &(p, _) in naming {
            part[p as usize] = NAMING;
        }
        verdict_of.clear();
        verdict_of.resize(self.bases as usize, UNKNOWN);
        // A license not accepted is decided over the USE of the flags its
        // conditionals name: when all are IUSE flags, whose states the
        // answer holds, profiles of a part still agree; a conditional on
        // an implicit flag (an arch, `elibc_*`) makes it per profile.
        let license_shared = pkg
            .license
            .flags()
            .all(|f| pkg.iuse.iter().any(|&(g, _)| g == f));
        for (p, c) in part.iter_mut().enumerate() {
            if *c == NAMING {
                continue;
            }
            let b = self.base[p] as usize;
            if verdict_of[b] == UNKNOWN {
                verdict_of[b] = evs[p].base_verdict(pkg, facts);
            }
            *c = if verdict_of[b] & 4 == 0 && !license_shared {
                ALONE
            } else {
                u32::from(verdict_of[b])
            };
        }
        let mut parts = 16;
        map.clear();
        for &(p, context) in naming {
            let p = p as usize;
            if context == ALONE {
                part[p] = ALONE;
                continue;
            }
            // With keyword lines about the package, ACCEPT_KEYWORDS itself
            // counts (the whole base); else the base verdict suffices.
            let b = self.base[p] as usize;
            let by = if evs[p].names_keywords(pkg.cp) {
                1 << 31 | self.base[p]
            } else {
                if verdict_of[b] == UNKNOWN {
                    verdict_of[b] = evs[p].base_verdict(pkg, facts);
                }
                if verdict_of[b] & 4 == 0 && !license_shared {
                    part[p] = ALONE;
                    continue;
                }
                u32::from(verdict_of[b])
            };
            part[p] = *map
                .entry(u64::from(by) << 32 | u64::from(context))
                .or_insert_with(|| {
                    parts += 1;
                    parts - 1
                });
        }
        // Without a supported EAPI no flag is decided: the base suffices.
        if pkg.eapi.is_ok() {
            for (&id, &(_, default)) in facts.iuse_ids(pkg).iter().zip(&pkg.iuse) {
                let d = match default {
                    None => 0,
                    Some(true) => 1,
                    Some(false) => 2,
                };
                if let Some(split) = &self.splits[id as usize][d] {
                    parts = refine(part, split, parts, dense, map);
                }
            }
        }
        let mut distinct = Distinct::default();
        let ask = |p: usize, answer: &mut Answer, distinct: &mut Distinct| {
            evs[p].answer_into(pkg, facts, answer);
            distinct.intern(answer)
        };
        // Per part, the answer its first profile got (or ALONE).
        const FIRST: u32 = u32::MAX - 1;
        answer_of.clear();
        answer_of.resize(parts as usize, FIRST);
        let mut of_profile = Vec::with_capacity(evs.len());
        let mut naming_left = naming.iter().map(|&(p, _)| p as usize).peekable();
        for (p, &c) in part.iter().enumerate() {
            let names_package = naming_left.next_if_eq(&p).is_some();
            let k = if c == ALONE {
                ask(p, answer, &mut distinct)
            } else {
                match answer_of[c as usize] {
                    // Naming profiles' parts are not split by license.
                    FIRST if !license_shared && !evs[p].accepts_licenses(pkg) => {
                        answer_of[c as usize] = ALONE;
                        ask(p, answer, &mut distinct)
                    }
                    // A part of a base verdict with licenses accepted: its
                    // answer follows from the verdict and the flag codes.
                    FIRST if !names_package && verdict_of[self.base[p] as usize] & 4 != 0 => {
                        let verdict = verdict_of[self.base[p] as usize];
                        evs[p].answer_from_base(pkg, verdict, facts, answer);
                        let k = distinct.intern(answer);
                        answer_of[c as usize] = k;
                        k
                    }
                    FIRST => {
                        let k = ask(p, answer, &mut distinct);
                        answer_of[c as usize] = k;
                        k
                    }
                    ALONE => ask(p, answer, &mut distinct),
                    k => k,
                }
            };
            of_profile.push(k);
        }
        Column {
            answers: distinct.answers,
            of_profile,
        }
    }
}

/// How the profiles split by the bits of flag `id`'s code that matter for
/// IUSE default `d` (see [`Evaluator::flag_table`]); None when they agree.
fn split(tables: &[&[u32]], id: usize, d: usize) -> Option<Split> {
    let mask = 0o7 << (3 * d) | 0o7 << (9 + 3 * d);
    let first = tables[0][id] & mask;
    if tables.iter().all(|t| t[id] & mask == first) {
        return None;
    }
    let mut codes: Vec<u32> = Vec::new();
    let of = tables
        .iter()
        .map(|t| {
            let code = t[id] & mask;
            match codes.iter().position(|&c| c == code) {
                Some(k) => k as u32,
                None => {
                    codes.push(code);
                    codes.len() as u32 - 1
                }
            }
        })
        .collect();
    Some(Split {
        parts: codes.len() as u32,
        of,
    })
}

/// Per package (dense id), its naming profiles (`naming`) with their
/// contexts numbered per package, in order of first profile; ALONE for a
/// profile whose lines have wildcard flags.
fn contexts(
    evs: &[Evaluator<'_>],
    naming: &[Vec<u32>],
    versions: &[&Package],
    package_of: &[u32],
    facts: &VersionFacts,
) -> Vec<Vec<(u32, u32)>> {
    // Per package, its name and the IUSE flags of its versions: only
    // those are decided from the lines, the answer holding IUSE flags
    // alone.
    let mut cp_of = vec![Sym::new(""); naming.len()];
    let mut iuse_of: Vec<Vec<Sym>> = vec![Vec::new(); naming.len()];
    for (pkg, &c) in versions.iter().zip(package_of) {
        cp_of[c as usize] = pkg.cp;
        iuse_of[c as usize].extend(pkg.iuse.iter().map(|&(f, _)| f));
    }
    naming
        .par_iter()
        .zip(&cp_of)
        .zip(&mut iuse_of)
        .map(|((profiles, &cp), iuse)| {
            iuse.sort_unstable();
            iuse.dedup();
            let iuse: Vec<(Sym, Option<u32>)> = iuse.iter().map(|&f| (f, facts.id(f))).collect();
            let mut seen: HashMap<Vec<u64>, u32> = HashMap::default();
            let (mut key, mut scratch) = (Vec::new(), KeyScratch::default());
            profiles
                .iter()
                .map(|&p| {
                    let ev = &evs[p as usize];
                    if !context_key(ev, cp, &iuse, facts, &mut key, &mut scratch) {
                        return (p, ALONE);
                    }
                    let next = seen.len() as u32;
                    // Most keys repeat: clone one only when it is new.
                    let n = match seen.get(&key) {
                        Some(&n) => n,
                        None => *seen.entry(key.clone()).or_insert(next),
                    };
                    (p, n)
                })
                .collect()
        })
        .collect()
}

/// Writes into `key` what decides the answers of `ev`'s profile about the
/// versions of `cp` beyond its base and its flag table: the lines about
/// `cp` ([`Evaluator::package_key`]) and the profile-wide verdicts of the
/// flags those lines name that are in `iuse` (the IUSE flags of `cp`'s
/// versions with their dense ids, sorted), with every position replaced
/// by its rank.
///
/// The flags of the profile's own lines suffice: profiles with the same
/// lines name the same flags, and a flag no line names is decided
/// profile-wide, which the flag table's splits already tell apart.
/// Answers compare positions only with each other (the latest token
/// wins) and with IUSE defaults, whose layer sits between the
/// repository's and the profile's: so two profiles reading the same
/// lines, in the same order relative to the same verdicts, answer alike
/// even when their stacks differ in length before those lines (a profile
/// of each arch reads `base` at another depth). False, as for
/// `package_key`, when the profile is to be evaluated on its own.
fn context_key(
    ev: &Evaluator<'_>,
    cp: Sym,
    iuse: &[(Sym, Option<u32>)],
    facts: &VersionFacts,
    key: &mut Vec<u64>,
    scratch: &mut KeyScratch,
) -> bool {
    let KeyScratch {
        nodes,
        named,
        flags,
        verdicts,
    } = scratch;
    key.clear();
    named.clear();
    if !ev.package_key(cp, key, named) {
        return false;
    }
    named.sort_unstable();
    named.dedup();
    flags.clear();
    flags.extend(named.iter().filter_map(|&f| {
        let k = iuse.binary_search_by_key(&f, |&(g, _)| g).ok()?;
        Some(iuse[k])
    }));
    // The lines: `[n, (node << 8 | table, entry) * n, ...]`, at the
    // profile layer.
    let lines = key[0] as usize;
    let node_of = |k: u64| Pos::new(Layer::Profile, (k >> 8) as u16, 0, 0).bits() >> 40;
    nodes.clear();
    nodes.extend((0..lines).map(|j| node_of(key[1 + 2 * j])));
    verdicts.clear();
    verdicts.extend(
        flags
            .iter()
            .map(|&(f, id)| ev.flag_verdicts(f, id, facts).all()),
    );
    nodes.extend(
        verdicts
            .iter()
            .flatten()
            .flatten()
            .map(|v| v.pos.bits() >> 40),
    );
    nodes.sort_unstable();
    nodes.dedup();
    // (layer, node) as (layer, rank), in the bits of a Pos.
    let rank = |at: u64| (at >> 16) << 16 | nodes.partition_point(|&n| n < at) as u64;
    for j in 0..lines {
        let k = key[1 + 2 * j];
        key[1 + 2 * j] = rank(node_of(k)) << 8 | (k & 0xff);
    }
    for (v, &(f, _)) in verdicts.iter().zip(flags.iter()) {
        for v in v {
            let Some(v) = v else {
                key.push(0);
                continue;
            };
            // (layer, rank), the sign; then phase and index.
            let bits = v.pos.bits();
            key.push(rank(bits >> 40) << 2 | u64::from(v.on) << 1 | 1);
            key.push(bits & ((1 << 40) - 1));
        }
        key.push(u64::from(ev.is_arch(f)));
    }
    true
}

/// Buffers of [`context_key`], kept between the profiles of a package:
/// the (layer, node) of every position named, the flags the lines name,
/// those in IUSE with their ids, and each one's verdicts.
#[derive(Default)]
struct KeyScratch {
    nodes: Vec<u64>,
    named: Vec<Sym>,
    flags: Vec<(Sym, Option<u32>)>,
    verdicts: Vec<[Option<Verdict>; 6]>,
}

/// `key`'s number in `seen`, numbering keys from 0 in order of first
/// appearance.
fn number<K: std::hash::Hash + Eq>(seen: &mut HashMap<K, u32>, key: K) -> u32 {
    let next = seen.len() as u32;
    *seen.entry(key).or_insert(next)
}

/// Splits each part of `part` (`parts` of them, ALONE aside) by `split`,
/// numbering the new parts from 0 in order of first profile; returns how
/// many there are.
fn refine(
    part: &mut [u32],
    split: &Split,
    parts: u32,
    dense: &mut Vec<u32>,
    map: &mut HashMap<u64, u32>,
) -> u32 {
    let k = split.parts;
    let mut next = 0;
    if parts as usize * k as usize <= DENSE_LIMIT {
        dense.clear();
        dense.resize(parts as usize * k as usize, u32::MAX);
        for (c, &s) in part.iter_mut().zip(&split.of) {
            if *c == ALONE {
                continue;
            }
            let slot = &mut dense[(*c * k + s) as usize];
            if *slot == u32::MAX {
                *slot = next;
                next += 1;
            }
            *c = *slot;
        }
    } else {
        map.clear();
        for (c, &s) in part.iter_mut().zip(&split.of) {
            if *c == ALONE {
                continue;
            }
            *c = *map
                .entry(u64::from(*c) << 32 | u64::from(s))
                .or_insert_with(|| {
                    next += 1;
                    next - 1
                });
        }
    }
    next
}

/// A version's distinct answers so far.
#[derive(Default)]
struct Distinct {
    answers: Vec<Answer>,
    /// Each answer's hash, compared before the answer itself: a version
    /// may have dozens of distinct answers.
    hashes: Vec<u64>,
}

impl Distinct {
    /// `answer`'s number, a new one if it is not yet known.
    fn intern(&mut self, answer: &Answer) -> u32 {
        let h = ahash::RandomState::with_seeds(1, 2, 3, 4).hash_one(answer);
        let known = self
            .hashes
            .iter()
            .zip(&self.answers)
            .position(|(&g, a)| g == h && a == answer);
        match known {
            Some(k) => k as u32,
            None => {
                self.answers.push(answer.clone());
                self.hashes.push(h);
                self.answers.len() as u32 - 1
            }
        }
    }
}

/// Per-thread buffers of [`Plan::column`].
struct Scratch {
    part: Vec<u32>,
    dense: Vec<u32>,
    map: HashMap<u64, u32>,
    answer_of: Vec<u32>,
    verdict_of: Vec<u8>,
    answer: Answer,
}

impl Scratch {
    fn new(profiles: usize) -> Scratch {
        Scratch {
            part: Vec::with_capacity(profiles),
            dense: Vec::new(),
            map: HashMap::default(),
            answer_of: Vec::new(),
            verdict_of: Vec::new(),
            answer: Answer::default(),
        }
    }
}
