//! Dependency specification strings (PMS §8.2, §7.3.4): DEPEND and friends,
//! LICENSE, REQUIRED_USE, SRC_URI, RESTRICT and PROPERTIES.
//!
//! A string is parsed **once** into a [`DepSpec`] and then evaluated many
//! times (for every profile and every USE configuration), so the parsed form
//! is built for evaluation, not for editing:
//!
//! * the tree is a flat array of nodes in **pre-order**; every node stores
//!   the index one past its subtree (`end`), so the first child of node `i`
//!   is `i + 1`, the next sibling of a child `c` is `nodes[c].end`, and
//!   skipping an inactive conditional is one jump. Node `0` is the implicit
//!   top-level all-of group. A node is 12 bytes and the whole tree is one
//!   allocation, which keeps the millions of evaluations cache-friendly;
//! * leaves (atoms, licence names, flags, URIs, …) are kept apart in a
//!   `Box<[L]>` in the order written, so callers can scan them (e.g. collect
//!   every atom) without walking the tree;
//! * conditional flag names are interned ([`Sym`]) at parse time, so
//!   evaluation asks the caller about integers, never strings.
//!
//! The leaf type is generic and parsed by a caller-supplied closure (an atom
//! parser for dependencies, a licence name for LICENSE, [`FlagLeaf`] for
//! REQUIRED_USE). What differs between EAPIs and kinds of field (is `||`
//! allowed here, is `??` known, is an empty any-of group false) is passed as
//! plain booleans in [`DepOptions`]; this module knows nothing of EAPIs.
//!
//! Reference semantics are Portage's (`portage.dep.use_reduce` and
//! `check_required_use`), including its quirks; they are documented where
//! they are reproduced. Parsing never panics and never recurses: nesting is
//! limited to [`MAX_DEPTH`] groups (deeper input is an error, not a stack
//! overflow), which also bounds the recursion of the evaluators; the work is
//! linear in the length of the string.

mod parse;
mod reduce;
mod required_use;

use std::fmt;
use std::sync::Arc;

use crate::intern::Sym;

pub use parse::DepSpecError;
pub use reduce::Reduced;
pub use required_use::{check_required_use, required_use_unsatisfied, FlagLeaf, InvalidFlagLeaf};

/// Deepest nesting of groups accepted by [`DepSpec::parse`]. Real strings
/// nest a handful of levels (the corpus maximum is below 10); the limit
/// exists so that hostile input cannot exhaust the stack of the recursive
/// evaluators.
pub const MAX_DEPTH: usize = 256;

/// What the field being parsed allows. Build it with the constructor for the
/// kind of field; the arguments are the EAPI-dependent facts, which the
/// caller takes from its EAPI table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DepOptions {
    /// `|| ( … )` is allowed (dependencies, LICENSE, REQUIRED_USE).
    pub any_of: bool,
    /// `^^ ( … )` is allowed (REQUIRED_USE only).
    pub exactly_one: bool,
    /// `?? ( … )` is allowed (REQUIRED_USE, EAPI 5 and later).
    pub at_most_one: bool,
    /// An any-of (or exactly-one-of) group left without members after its
    /// conditionals are resolved is **unsatisfiable** (EAPI 7 and later,
    /// PMS table 8.6). Before EAPI 7 such a group simply disappears.
    pub empty_any_of_unsatisfied: bool,
    /// A literally empty group `( )` is accepted. Portage's `use_reduce`
    /// refuses it everywhere, but `check_required_use` (which has its own
    /// parser) accepts it, so only REQUIRED_USE sets this.
    pub allow_empty_groups: bool,
    /// SRC_URI `uri -> name` renames (EAPI 2 and later). The leaf closure then
    /// receives `"uri -> name"` (single spaces) as one leaf.
    pub src_uri_arrows: bool,
}

impl DepOptions {
    /// DEPEND, RDEPEND, PDEPEND, BDEPEND, IDEPEND: all-of, any-of,
    /// conditionals.
    pub fn dependencies(empty_any_of_unsatisfied: bool) -> DepOptions {
        DepOptions {
            any_of: true,
            exactly_one: false,
            at_most_one: false,
            empty_any_of_unsatisfied,
            allow_empty_groups: false,
            src_uri_arrows: false,
        }
    }

    /// LICENSE: the same constructs as dependencies.
    pub fn license(empty_any_of_unsatisfied: bool) -> DepOptions {
        DepOptions::dependencies(empty_any_of_unsatisfied)
    }

    /// REQUIRED_USE: `||`, `^^`, `??` (when `at_most_one`, EAPI 5+), literal
    /// empty groups accepted as `check_required_use` does.
    pub fn required_use(at_most_one: bool, empty_any_of_unsatisfied: bool) -> DepOptions {
        DepOptions {
            any_of: true,
            exactly_one: true,
            at_most_one,
            empty_any_of_unsatisfied,
            allow_empty_groups: true,
            src_uri_arrows: false,
        }
    }

    /// RESTRICT and PROPERTIES: all-of groups and conditionals only.
    pub fn restrict() -> DepOptions {
        DepOptions {
            any_of: false,
            exactly_one: false,
            at_most_one: false,
            empty_any_of_unsatisfied: false,
            allow_empty_groups: false,
            src_uri_arrows: false,
        }
    }

    /// PROPERTIES: same syntax as RESTRICT.
    pub fn properties() -> DepOptions {
        DepOptions::restrict()
    }

    /// SRC_URI: like RESTRICT, plus `->` renames when `arrows` (EAPI 2+).
    pub fn src_uri(arrows: bool) -> DepOptions {
        DepOptions {
            src_uri_arrows: arrows,
            ..DepOptions::restrict()
        }
    }
}

/// Whether `name` is a valid USE flag name (PMS §3.1.4, Portage's
/// `[A-Za-z0-9][A-Za-z0-9+_@-]*`).
pub fn is_valid_use_flag(name: &str) -> bool {
    let mut bytes = name.bytes();
    match bytes.next() {
        Some(b) if b.is_ascii_alphanumeric() => {}
        _ => return false,
    }
    bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'_' | b'@' | b'-'))
}

/// Node payload. `Leaf` holds an index into `DepSpec::leaves`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tag {
    Leaf(u32),
    All,
    AnyOf,
    ExactlyOne,
    AtMostOne,
    Use { flag: Sym, negate: bool },
}

/// One node of the pre-order array; `end` is one past the last node of its
/// subtree.
#[derive(Clone, Copy, Debug)]
struct Node {
    tag: Tag,
    end: u32,
}

/// A parsed dependency specification string: see the module docs for the
/// layout. Immutable; cheap to evaluate, and cheap to clone (the arrays are
/// shared): `check --all-profiles` gives every profile's solver universe
/// the dependencies of every version, parsed once.
#[derive(Clone, Debug)]
pub struct DepSpec<L> {
    nodes: Arc<[Node]>,
    leaves: Arc<[L]>,
    opts: DepOptions,
}

impl<L> DepSpec<L> {
    /// The empty specification (an empty string): satisfied by anything.
    pub fn empty() -> DepSpec<L> {
        DepSpec {
            nodes: Arc::new([Node {
                tag: Tag::All,
                end: 1,
            }]),
            leaves: Arc::new([]),
            opts: DepOptions::restrict(),
        }
    }

    /// Whether the string had no tokens at all.
    pub fn is_empty(&self) -> bool {
        self.nodes.len() == 1
    }

    /// The options the string was parsed with.
    pub fn options(&self) -> DepOptions {
        self.opts
    }

    /// Every leaf, in the order written (including those under conditionals).
    pub fn leaves(&self) -> &[L] {
        &self.leaves
    }

    /// The implicit top-level all-of group.
    pub fn root(&self) -> NodeRef<'_, L> {
        NodeRef { spec: self, idx: 0 }
    }

    /// The flag of every USE conditional (`flag?` and `!flag?`), in the order
    /// written; a flag used by several conditionals is yielded each time.
    pub fn flags(&self) -> impl Iterator<Item = Sym> + '_ {
        self.nodes.iter().filter_map(|n| match n.tag {
            Tag::Use { flag, .. } => Some(flag),
            _ => None,
        })
    }

    /// Number of nodes (groups, conditionals and leaves), for size
    /// accounting.
    pub fn node_count(&self) -> usize {
        self.nodes.len() - 1
    }

    fn first_child(&self, idx: u32) -> u32 {
        idx + 1
    }

    fn node(&self, idx: u32) -> Node {
        self.nodes[idx as usize]
    }
}

/// What a node of the tree is.
#[derive(Debug, PartialEq, Eq)]
pub enum NodeKind<'a, L> {
    Leaf(&'a L),
    /// `( … )`, and the top level.
    AllOf,
    /// `|| ( … )`
    AnyOf,
    /// `^^ ( … )`
    ExactlyOne,
    /// `?? ( … )`
    AtMostOne,
    /// `flag? ( … )` (`negate == false`) or `!flag? ( … )`.
    Conditional {
        flag: Sym,
        negate: bool,
    },
}

impl<L> Clone for NodeKind<'_, L> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<L> Copy for NodeKind<'_, L> {}

/// A lightweight view of one node of a [`DepSpec`].
pub struct NodeRef<'a, L> {
    spec: &'a DepSpec<L>,
    idx: u32,
}

impl<L> Clone for NodeRef<'_, L> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<L> Copy for NodeRef<'_, L> {}

impl<L: fmt::Debug> fmt::Debug for NodeRef<'_, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodeRef")
            .field("index", &self.idx)
            .field("kind", &self.kind())
            .finish()
    }
}

impl<'a, L> NodeRef<'a, L> {
    pub fn kind(&self) -> NodeKind<'a, L> {
        match self.spec.node(self.idx).tag {
            Tag::Leaf(i) => NodeKind::Leaf(&self.spec.leaves[i as usize]),
            Tag::All => NodeKind::AllOf,
            Tag::AnyOf => NodeKind::AnyOf,
            Tag::ExactlyOne => NodeKind::ExactlyOne,
            Tag::AtMostOne => NodeKind::AtMostOne,
            Tag::Use { flag, negate } => NodeKind::Conditional { flag, negate },
        }
    }

    /// The leaf, if this node is one.
    pub fn leaf(&self) -> Option<&'a L> {
        match self.kind() {
            NodeKind::Leaf(l) => Some(l),
            _ => None,
        }
    }

    /// The direct children (none for a leaf).
    pub fn children(&self) -> Children<'a, L> {
        let node = self.spec.node(self.idx);
        let next = match node.tag {
            Tag::Leaf(_) => node.end,
            _ => self.spec.first_child(self.idx),
        };
        Children {
            spec: self.spec,
            next,
            end: node.end,
        }
    }

    /// Whether this is the implicit top-level group.
    pub fn is_root(&self) -> bool {
        self.idx == 0
    }
}

/// Iterator over the children of a node.
pub struct Children<'a, L> {
    spec: &'a DepSpec<L>,
    next: u32,
    end: u32,
}

impl<'a, L> Iterator for Children<'a, L> {
    type Item = NodeRef<'a, L>;

    fn next(&mut self) -> Option<NodeRef<'a, L>> {
        if self.next >= self.end {
            return None;
        }
        let idx = self.next;
        self.next = self.spec.node(idx).end;
        Some(NodeRef {
            spec: self.spec,
            idx,
        })
    }
}

/// A normalised rendering: tokens separated by single spaces, `( … )` kept
/// as written (no simplification), e.g. `a || ( b c ) !x? ( d )`.
impl<L: fmt::Display> fmt::Display for DepSpec<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for child in self.root().children() {
            write_node(f, child, &mut first)?;
        }
        Ok(())
    }
}

fn write_node<L: fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    node: NodeRef<'_, L>,
    first: &mut bool,
) -> fmt::Result {
    let sep = |f: &mut fmt::Formatter<'_>, first: &mut bool| {
        if !std::mem::take(first) {
            f.write_str(" ")?;
        }
        Ok::<(), fmt::Error>(())
    };
    sep(f, first)?;
    match node.kind() {
        NodeKind::Leaf(l) => return write!(f, "{l}"),
        NodeKind::AllOf => f.write_str("(")?,
        NodeKind::AnyOf => f.write_str("|| (")?,
        NodeKind::ExactlyOne => f.write_str("^^ (")?,
        NodeKind::AtMostOne => f.write_str("?? (")?,
        NodeKind::Conditional { flag, negate } => {
            write!(f, "{}{flag}? (", if negate { "!" } else { "" })?
        }
    }
    for child in node.children() {
        write_node(f, child, first)?;
    }
    f.write_str(" )")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The module docs promise 12-byte nodes; keep it so.
    #[test]
    fn node_is_twelve_bytes() {
        assert_eq!(std::mem::size_of::<Node>(), 12);
    }
}
