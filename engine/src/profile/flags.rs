//! Positioned flag tokens: how USE, use.force and use.mask are decided.
//!
//! Portage decides a package's flags by concatenating token lists (IUSE
//! defaults, then per profile node its make.defaults USE, its package.use
//! lines, ...) and applying them left to right. The last token that touches a
//! flag decides it. Rather than replaying the whole stream for every package,
//! a profile keeps, for each flag, only the last token that named it, plus the
//! few wildcard tokens (`-*`, `-video_cards_*`, `video_cards_*`). A package
//! then adds its own few tokens (its package.use lines, at their node's
//! position) and each flag is the latest of the candidates. Same answer, a
//! handful of lookups per flag.
//!
//! Every decision carries the file and line that made it, for `why`.

use std::sync::Arc;

use ahash::HashMap;

use crate::intern::Sym;
use crate::source::Loc;

/// Where a token sits in the stream; later wins. Packed as
/// `layer:8 | node:16 | phase:8 | index:32`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos(u64);

/// The precedence layers below the profile nodes (Portage `USE_ORDER`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Layer {
    /// Repository-level `profiles/` files (below IUSE defaults).
    Repo = 0,
    /// IUSE `+flag` / `-flag` defaults.
    Iuse = 1,
    /// The profile stack.
    Profile = 2,
}

impl Pos {
    pub fn new(layer: Layer, node: u16, phase: u8, index: u32) -> Pos {
        Pos(((layer as u64) << 56) | ((node as u64) << 40) | ((phase as u64) << 32) | index as u64)
    }

    pub fn node(self) -> u16 {
        (self.0 >> 40) as u16
    }

    /// The packed value (`layer:8 | node:16 | phase:8 | index:32`), which
    /// orders positions as they compare.
    pub fn bits(self) -> u64 {
        self.0
    }
}

/// One decided flag: on or off, where, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub pos: Pos,
    pub on: bool,
    pub origin: Loc,
    /// The token as written (`-*`, `-video_cards_*`, `foo`), for messages.
    pub token: Sym,
}

/// A decision without its provenance.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Verdict {
    pub pos: Pos,
    pub on: bool,
}

impl Verdict {
    /// The later of two optional verdicts.
    pub fn latest(a: Option<Verdict>, b: Option<Verdict>) -> Option<Verdict> {
        match (a, b) {
            (Some(a), Some(b)) => Some(if b.pos > a.pos { b } else { a }),
            (a, None) => a,
            (None, b) => b,
        }
    }

    pub fn is_on(v: Option<Verdict>) -> bool {
        v.is_some_and(|v| v.on)
    }
}

fn latest(a: Option<Decision>, b: Option<Decision>) -> Option<Decision> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.pos > a.pos { b } else { a }),
        (a, None) => a,
        (None, b) => b,
    }
}

/// Wildcard tokens: `-*` (prefix None), `-prefix_*` and `prefix_*`.
#[derive(Clone, Debug)]
struct Wild {
    pos: Pos,
    prefix: Option<Sym>,
    on: bool,
    origin: Loc,
    token: Sym,
}

impl Wild {
    fn covers(&self, flag: &str) -> bool {
        match self.prefix {
            None => true,
            Some(p) => flag.starts_with(p.as_str()),
        }
    }
}

/// The last token per flag, plus wildcards, of one token stream.
///
/// Each node's fold starts as a clone of its parent's, and each profile
/// as a clone of its fold, so a clone must cost little, and so must a
/// change to a clone: a node's few use.mask lines must not copy the
/// hundreds of tokens its ancestors' made. The latest tokens are kept in
/// two maps, both shared until changed: `recent`, where changes go, over
/// `settled`. A token goes into `recent` only when it is later than the
/// flag's token in `settled`, so a flag's token is `recent`'s if it has
/// one. When `recent` is shared and has grown past `RECENT` (32) tokens, it
/// is merged into a new `settled` rather than copied.
#[derive(Clone, Debug, Default)]
pub struct FlagStream {
    settled: Arc<HashMap<Sym, Decision>>,
    recent: Arc<HashMap<Sym, Decision>>,
    wild: Vec<Wild>,
}

/// How many tokens `recent` may hold before a change to a shared one
/// merges it into `settled` instead of copying it.
const RECENT: usize = 32;

impl FlagStream {
    /// Adds one token. Tokens may come in any order: the one with the
    /// latest position decides.
    /// `allow_wildcards` is false for use.mask/use.force, where `-*` is not
    /// a token (Portage drops it as an invalid flag).
    pub fn push(&mut self, pos: Pos, token: &str, origin: &Loc, allow_wildcards: bool) {
        let (on, name) = match token.strip_prefix('-') {
            Some(rest) => (false, rest),
            None => (true, token),
        };
        if name.is_empty() {
            return;
        }
        let tok = Sym::new(token);
        if allow_wildcards && (name == "*" || name.ends_with("_*")) {
            if name == "*" && on {
                // `*` alone enables nothing Portage knows of; ignore it.
                return;
            }
            let prefix = (name != "*").then(|| Sym::new(&name[..name.len() - 1]));
            // Kept sorted by position: `decide` scans from the latest.
            let at = self.wild.partition_point(|w| w.pos <= pos);
            self.wild.insert(
                at,
                Wild {
                    pos,
                    prefix,
                    on,
                    origin: origin.clone(),
                    token: tok,
                },
            );
            return;
        }
        self.push_flag(pos, Sym::new(name), on, tok, origin);
    }

    /// Adds a token already split into its flag and sign (no wildcard).
    pub fn push_flag(&mut self, pos: Pos, flag: Sym, on: bool, token: Sym, origin: &Loc) {
        let d = Decision {
            pos,
            on,
            origin: origin.clone(),
            token,
        };
        if self.last(flag).is_some_and(|e| e.pos > pos) {
            return;
        }
        if Arc::strong_count(&self.recent) > 1 && self.recent.len() >= RECENT {
            self.settle();
        }
        Arc::make_mut(&mut self.recent).insert(flag, d);
    }

    /// `recent` merged into a new `settled`.
    fn settle(&mut self) {
        let mut merged = HashMap::clone(&self.settled);
        merged.extend(self.recent.iter().map(|(&f, d)| (f, d.clone())));
        self.settled = Arc::new(merged);
        self.recent = Arc::default();
    }

    /// The latest token naming `flag` itself.
    fn last(&self, flag: Sym) -> Option<&Decision> {
        self.recent.get(&flag).or_else(|| self.settled.get(&flag))
    }

    /// Every flag's latest token, each flag once.
    fn lasts(&self) -> impl Iterator<Item = (Sym, &Decision)> + '_ {
        let settled = self
            .settled
            .iter()
            .filter(|(f, _)| !self.recent.contains_key(f));
        self.recent.iter().chain(settled).map(|(&f, d)| (f, d))
    }

    /// Where and how `flag` is decided, without the provenance: the hot path
    /// of evaluation, which needs only the latest position and the value.
    pub fn verdict(&self, flag: Sym) -> Option<Verdict> {
        let last = self.last(flag).map(|d| Verdict {
            pos: d.pos,
            on: d.on,
        });
        self.with_wildcards(flag, last)
    }

    /// `last` (the flag's own latest token, if any) or the latest wildcard
    /// after it that covers `flag`.
    fn with_wildcards(&self, flag: Sym, last: Option<Verdict>) -> Option<Verdict> {
        let mut best = last;
        if !self.wild.is_empty() {
            let name = flag.as_str();
            for w in self.wild.iter().rev() {
                if best.is_some_and(|b| b.pos > w.pos) {
                    break;
                }
                if w.covers(name) {
                    best = Verdict::latest(
                        best,
                        Some(Verdict {
                            pos: w.pos,
                            on: w.on,
                        }),
                    );
                    break;
                }
            }
        }
        best
    }

    /// The latest token deciding `flag`, if any, with its provenance.
    pub fn decide(&self, flag: Sym) -> Option<Decision> {
        let mut best = self.last(flag).cloned();
        if !self.wild.is_empty() {
            let name = flag.as_str();
            for w in self.wild.iter().rev() {
                if best.as_ref().is_some_and(|b| b.pos > w.pos) {
                    break;
                }
                if w.covers(name) {
                    best = latest(
                        best,
                        Some(Decision {
                            pos: w.pos,
                            on: w.on,
                            origin: w.origin.clone(),
                            token: w.token,
                        }),
                    );
                    break;
                }
            }
        }
        best
    }

    /// Whether `flag` ends up on in this stream alone.
    pub fn is_on(&self, flag: Sym) -> bool {
        Verdict::is_on(self.verdict(flag))
    }

    /// Every flag named explicitly that ends up on (wildcards that enable
    /// prefixes name no flag, so they add nothing here).
    pub fn enabled(&self) -> Vec<Sym> {
        let mut v: Vec<Sym> = self.enabled_unordered().collect();
        // Names are unique, so an unstable sort gives the one order.
        v.sort_unstable_by_key(|s| s.as_str());
        v
    }

    /// [`FlagStream::enabled`] in no particular order, for callers that
    /// merge and sort anyway.
    pub fn enabled_unordered(&self) -> impl Iterator<Item = Sym> + '_ {
        // The verdict without cloning the decision (its origin is shared
        // by every profile reading that file), nor a second lookup.
        self.lasts().filter_map(|(f, d)| {
            let last = Verdict {
                pos: d.pos,
                on: d.on,
            };
            Verdict::is_on(self.with_wildcards(f, Some(last))).then_some(f)
        })
    }

    pub fn is_empty(&self) -> bool {
        self.recent.is_empty() && self.settled.is_empty() && self.wild.is_empty()
    }

    /// Whether some wildcard (`-*`, `-prefix_*`, `prefix_*`) is present.
    pub fn has_wildcards(&self) -> bool {
        !self.wild.is_empty()
    }

    /// Every flag some exact token names. With [`FlagStream::wildcards`],
    /// the flags this stream can decide: any other flag's verdict is None.
    pub fn named(&self) -> impl Iterator<Item = Sym> + '_ {
        self.lasts().map(|(f, _)| f)
    }

    /// The prefix each wildcard covers (`""` for `-*`).
    pub fn wildcards(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.wild
            .iter()
            .map(|w| w.prefix.map_or("", |p| p.as_str()))
    }
}

/// The latest decision for `flag` over several streams (for example a
/// profile-wide stream and a package's own package.use tokens).
pub fn decide_all(streams: &[&FlagStream], flag: Sym) -> Option<Decision> {
    streams
        .iter()
        .fold(None, |acc, s| latest(acc, s.decide(flag)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(node: u16, idx: u32) -> Pos {
        Pos::new(Layer::Profile, node, 0, idx)
    }

    #[test]
    fn last_token_wins_and_wildcards_clear() {
        let loc = Loc::new("make.defaults", 1);
        let mut s = FlagStream::default();
        s.push(p(0, 0), "foo", &loc, true);
        s.push(p(0, 1), "video_cards_intel", &loc, true);
        s.push(p(0, 2), "video_cards_radeon", &loc, true);
        s.push(p(1, 0), "-video_cards_*", &loc, true);
        s.push(p(1, 1), "video_cards_virgl", &loc, true);
        assert_eq!(
            s.enabled(),
            ["foo", "video_cards_virgl"].map(Sym::new).to_vec()
        );
        s.push(p(2, 0), "-*", &loc, true);
        s.push(p(2, 1), "bar", &loc, true);
        assert_eq!(s.enabled(), [Sym::new("bar")]);
        let d = s.decide(Sym::new("foo")).unwrap();
        assert!(!d.on);
        assert_eq!(d.token.as_str(), "-*");
    }

    #[test]
    fn package_tokens_interleave_by_position() {
        let loc = Loc::new("x", 1);
        let mut global = FlagStream::default();
        global.push(p(3, 0), "-baz", &loc, true);
        let mut pkg = FlagStream::default();
        pkg.push(Pos::new(Layer::Iuse, 0, 0, 0), "baz", &loc, true);
        pkg.push(Pos::new(Layer::Profile, 1, 3, 0), "baz", &loc, true);
        // A later node's make.defaults beats an earlier node's package.use.
        assert!(!decide_all(&[&global, &pkg], Sym::new("baz")).unwrap().on);
        pkg.push(Pos::new(Layer::Profile, 3, 3, 0), "baz", &loc, true);
        assert!(decide_all(&[&global, &pkg], Sym::new("baz")).unwrap().on);
    }

    #[test]
    fn out_of_order_pushes_keep_the_latest() {
        let loc = Loc::new("x", 1);
        let mut s = FlagStream::default();
        // package.use.mask of every node, then package.use.stable.mask of
        // every node: an earlier node's stable entry must not win.
        s.push(Pos::new(Layer::Profile, 9, 3, 0), "sssd", &loc, false);
        s.push(Pos::new(Layer::Profile, 4, 4, 0), "-sssd", &loc, false);
        assert!(s.is_on(Sym::new("sssd")));
        s.push(Pos::new(Layer::Profile, 5, 1, 0), "-foo_*", &loc, true);
        s.push(Pos::new(Layer::Profile, 2, 1, 0), "foo_*", &loc, true);
        assert!(!s.is_on(Sym::new("foo_bar")));
    }

    #[test]
    fn prefix_enable() {
        let loc = Loc::new("x", 1);
        let mut s = FlagStream::default();
        s.push(p(0, 0), "python_targets_*", &loc, true);
        assert!(s.is_on(Sym::new("python_targets_python3_12")));
        assert!(!s.is_on(Sym::new("ruby_targets_ruby33")));
        assert!(s.enabled().is_empty());
    }

    /// A parent's stream with more tokens than `recent` keeps, cloned and
    /// then changed (as a child node's fold does): the change merges the
    /// parent's tokens into a new settled map, the parent keeps its own,
    /// and a token pushed out of order after the merge still loses to a
    /// later one.
    #[test]
    fn a_changed_clone_leaves_its_parent_alone() {
        let loc = Loc::new("x", 1);
        let mut parent = FlagStream::default();
        for k in 0..(RECENT as u32 + 8) {
            parent.push(p(0, k), &format!("f{k}"), &loc, false);
        }
        let mut child = parent.clone();
        child.push(p(1, 0), "-f3", &loc, false);
        child.push(p(1, 1), "g", &loc, false);
        // Older than base's `f5`: ignored.
        child.push(Pos::new(Layer::Repo, 0, 0, 0), "-f5", &loc, false);
        assert!(parent.is_on(Sym::new("f3")) && !child.is_on(Sym::new("f3")));
        assert!(child.is_on(Sym::new("f5")) && child.is_on(Sym::new("g")));
        assert!(!parent.is_on(Sym::new("g")));
        assert_eq!(parent.enabled().len(), RECENT + 8);
        assert_eq!(child.enabled().len(), RECENT + 8);
        assert_eq!(child.named().count(), RECENT + 9);
        assert_eq!(child.decide(Sym::new("f3")).unwrap().pos, p(1, 0));
    }
}
