//! How Gentoo dependencies are encoded as pubgrub packages.
//!
//! pubgrub solves "pick at most one version per package such that every
//! picked version's dependencies (each a set of versions of one package)
//! hold". Gentoo needs more than that: several slots of one package side by
//! side, "some slot of X", any-of groups, blockers, USE dependencies,
//! `package.provided`, and failures that must be explained in Gentoo terms.
//! Each variant of [`Pkg`] exists for one of these reasons, in the spirit of
//! cargo's and uv's `pubgrub/package.rs`.
//!
//! **Versions are indices.** Every pubgrub package numbers its choices
//! `0..n`, lowest = most preferred, and constraints are exact index sets
//! (`idxset`), because atoms select arbitrary subsets (globs, `~`,
//! sub-slots, USE deps) that no interval over `Version` can express.
//!
//! # Variants
//!
//! * [`Pkg::Root`] — the request: its only version depends on the targets.
//!
//! * [`Pkg::Slot`] — one `(cat/pkg, SLOT)`. Different slots install side by
//!   side, so each is its own package; two versions of one slot cannot.
//!   Index 0 is **"not installed"**, 1.. are the *configured variants*
//!   (candidate version × USE configuration, see below), most preferred
//!   first. A positive dependency allows only indices ≥ 1; a blocker
//!   allows "everything but the blocked variants", which includes 0, so a
//!   blocker is an ordinary set constraint and a slot that only blockers
//!   mention resolves to "not installed".
//!
//!   *Configured variants.* Without `allow_use_changes` each visible
//!   candidate has exactly one variant, its effective USE; it is dropped
//!   entirely when that USE violates REQUIRED_USE (PMS §7.3.4: treated as
//!   masked). With `allow_use_changes`, a candidate also gets variants
//!   flipping *relevant* flags — flags some USE dependency on this
//!   `cat/pkg` or its own REQUIRED_USE mentions, that are in IUSE and
//!   neither forced nor masked — fewest changes first, at most
//!   [`MAX_VARIANTS`] per candidate; variants violating REQUIRED_USE are
//!   left out. A USE dependency then simply selects the variants whose USE
//!   satisfies it, several dependents' USE deps intersect, and the chosen
//!   variant's flips are the autounmask-style changes reported. A variant
//!   has its own dependencies: its USE decides its conditionals. We chose
//!   variants over one pubgrub package per flag because conditional
//!   dependencies on the package's own USE and REQUIRED_USE's `^^`/`??`
//!   would need further proxy packages per conditional, and the
//!   explanations would speak of flag packages instead of versions.
//!
//! * [`Pkg::AnySlot`] — "some slot of X matching this atom" for an atom
//!   that matches candidates in more than one slot (`dev-lang/python` with
//!   slots 3.12 and 3.13). pubgrub constraints are conjunctive, so a
//!   disjunction over slot packages needs a package whose versions are the
//!   slots (best version first); version *k* depends on slot *k* within the
//!   atom's matches. The proxy is keyed by its per-slot sets, not just by
//!   `cat/pkg`, because what "version *k*" requires depends on the atom;
//!   dependents with identical requirements share one decision. Atoms that
//!   match in one slot only (the common case) skip the proxy.
//!
//! * [`Pkg::AnyOf`] — a `|| ( … )` group: one version per alternative, in
//!   written order, so index 0 — the first alternative — is tried first
//!   (Portage prefers the first satisfiable alternative). An alternative may
//!   be an all-of group (several dependencies) or contain nested groups.
//!   Groups with identical compiled alternatives share one package: if two
//!   packages both need `|| ( a b )`, using the same alternative for both
//!   is always possible when any solution exists.
//!
//! * [`Pkg::Unsat`] — an atom no configured variant can satisfy (missing,
//!   masked, keywords, USE, REQUIRED_USE). It has no versions, so the
//!   dependent is ruled out by pubgrub's ordinary reasoning, and the
//!   derivation tree carries a leaf that names *this* failure; the
//!   diagnosis (which file masks it, which flag is forced) is computed once
//!   when the atom is compiled. Masked versions therefore never become
//!   pubgrub versions, which keeps the search small.
//!
//! `package.provided` needs no package: an atom matching a provided entry
//! by name and version is satisfied and compiles to nothing (an any-of
//! group with such an alternative is satisfied as a whole, as Portage
//! prefers installed alternatives).

use std::fmt;

use portolan_engine::intern::Sym;

/// Most USE variants generated per candidate with `allow_use_changes`.
pub const MAX_VARIANTS: usize = 64;

/// A pubgrub package; see the module docs for why each variant exists.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Pkg {
    Root,
    Slot { cp: Sym, slot: Sym },
    AnySlot(u32),
    AnyOf(u32),
    Unsat(u32),
}

impl Pkg {
    /// Whether this package is an encoding device rather than something a
    /// person would call a package (skipped in "required by" chains).
    pub fn is_proxy(self) -> bool {
        matches!(self, Pkg::AnySlot(_) | Pkg::AnyOf(_))
    }
}

/// Only for pubgrub's logs; explanations never print these names.
impl fmt::Display for Pkg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pkg::Root => f.write_str("(request)"),
            Pkg::Slot { cp, slot } => write!(f, "{cp}:{slot}"),
            Pkg::AnySlot(i) => write!(f, "(any slot #{i})"),
            Pkg::AnyOf(i) => write!(f, "(any-of #{i})"),
            Pkg::Unsat(i) => write!(f, "(unsatisfiable #{i})"),
        }
    }
}
