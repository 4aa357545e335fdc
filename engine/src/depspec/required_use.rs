//! REQUIRED_USE (PMS §7.3.4) with Portage's `check_required_use` semantics.
//!
//! Every group yields a truth value to its parent, or nothing:
//! * a leaf `flag` / `!flag`: whether the flag is on / off;
//! * an inactive conditional: nothing (it is not a member of an enclosing
//!   `||`, `^^` or `??`);
//! * an active conditional: whether all its children hold — **true when all
//!   of them vanished** (Portage quirk: `|| ( a? ( b? ( c ) ) )` with `a` on
//!   and `b` off is satisfied, whereas `|| ( ( b? ( c ) ) )` is not in
//!   EAPI 7+);
//! * a plain `( … )`: whether all its children hold, nothing if none is left;
//! * `||`, `^^`, `??`: at least one / exactly one / at most one member true.
//!   Without members, `??` holds; `||` and `^^` hold before EAPI 7
//!   ([`DepOptions::empty_any_of_unsatisfied`] unset) and fail after.
//!
//! Flags must also be in IUSE_EFFECTIVE: that check needs the package and is
//! the caller's (every flag is in [`DepSpec::flags`] or a leaf).
//!
//! [`DepOptions::empty_any_of_unsatisfied`]: super::DepOptions::empty_any_of_unsatisfied

use std::fmt;

use super::{is_valid_use_flag, DepSpec, Tag};
use crate::intern::Sym;

/// A REQUIRED_USE leaf: `flag` (must be on) or `!flag` (must be off).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FlagLeaf {
    pub flag: Sym,
    pub negate: bool,
}

/// A REQUIRED_USE token that is not `flag` or `!flag`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid USE flag '{0}'")]
pub struct InvalidFlagLeaf(pub String);

impl FlagLeaf {
    pub fn parse(s: &str) -> Result<FlagLeaf, InvalidFlagLeaf> {
        let (negate, flag) = match s.strip_prefix('!') {
            Some(f) => (true, f),
            None => (false, s),
        };
        if !is_valid_use_flag(flag) {
            return Err(InvalidFlagLeaf(s.to_owned()));
        }
        Ok(FlagLeaf {
            flag: Sym::new(flag),
            negate,
        })
    }

    /// Whether the leaf holds under `use_enabled`.
    pub fn holds(&self, use_enabled: impl Fn(Sym) -> bool) -> bool {
        use_enabled(self.flag) != self.negate
    }
}

impl fmt::Display for FlagLeaf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negate {
            f.write_str("!")?;
        }
        f.write_str(self.flag.as_str())
    }
}

impl DepSpec<FlagLeaf> {
    /// Every flag mentioned, by conditionals and leaves (with repetitions):
    /// what must be checked against IUSE_EFFECTIVE.
    pub fn referenced_flags(&self) -> impl Iterator<Item = Sym> + '_ {
        self.flags().chain(self.leaves().iter().map(|l| l.flag))
    }
}

/// Whether REQUIRED_USE `spec` is satisfied when exactly the flags for which
/// `use_enabled` is true are on.
pub fn check_required_use(spec: &DepSpec<FlagLeaf>, use_enabled: impl Fn(Sym) -> bool) -> bool {
    spec.children(0)
        .all(|c| eval(spec, c, &use_enabled) != Some(false))
}

fn eval(spec: &DepSpec<FlagLeaf>, idx: u32, use_enabled: &impl Fn(Sym) -> bool) -> Option<bool> {
    let tag = spec.node(idx).tag;
    let values = || {
        spec.children(idx)
            .filter_map(|c| eval(spec, c, use_enabled))
    };
    match tag {
        Tag::Leaf(i) => Some(spec.leaves[i as usize].holds(use_enabled)),
        Tag::Use { flag, negate } => {
            (use_enabled(flag) != negate).then(|| values().fold(true, |acc, v| acc & v))
        }
        Tag::All => values().reduce(|a, b| a & b),
        _ => {
            let (mut members, mut satisfied) = (0usize, 0usize);
            for v in values() {
                members += 1;
                satisfied += usize::from(v);
            }
            Some(group_satisfied(spec, tag, members, satisfied))
        }
    }
}

fn group_satisfied(spec: &DepSpec<FlagLeaf>, tag: Tag, members: usize, satisfied: usize) -> bool {
    if members == 0 && !spec.opts.empty_any_of_unsatisfied {
        return true;
    }
    match tag {
        Tag::AnyOf => satisfied >= 1,
        Tag::ExactlyOne => satisfied == 1,
        _ => satisfied <= 1,
    }
}

/// The top-level constraints of `spec` that `use_enabled` violates, rendered
/// as Portage shows them to users (`emerge`'s "The following REQUIRED_USE
/// flag constraints are unsatisfied"): joined with spaces, the result is
/// exactly the string of Portage's `check_required_use(...).tounicode()`.
///
/// Portage's rendering rules, reproduced: groups that hold are left out, and
/// so are the children that hold inside plain groups and conditionals, but
/// below a `||`, `^^` or `??` everything is shown; `( … )` groups are
/// flattened into their parent unless they are members of an operator, and
/// an operator with a single member is replaced by it. Quirk: an operator
/// left without members is dropped from the rendering even though it fails
/// (EAPI 7+), so the result can be empty while [`check_required_use`] is
/// false.
pub fn required_use_unsatisfied(
    spec: &DepSpec<FlagLeaf>,
    use_enabled: impl Fn(Sym) -> bool,
) -> Vec<String> {
    let mut items = Vec::new();
    for c in spec.children(0) {
        items.extend(build(spec, c, Op::Plain, &use_enabled).0);
    }
    items
        .iter()
        .filter(|i| !i.satisfied())
        .map(|i| {
            let mut s = String::new();
            i.render(false, &mut s);
            s
        })
        .collect()
}

/// Operator of a branch of Portage's rendering tree.
#[derive(Clone, Copy)]
enum Op {
    Plain,
    Cond(Sym, bool),
    Group(Tag),
}

impl Op {
    /// `||`, `^^`, `??` (Portage's `valid_operators`).
    fn is_operator(self) -> bool {
        matches!(self, Op::Group(_))
    }
}

/// Node of Portage's `_RequiredUseBranch` / `_RequiredUseLeaf` tree.
enum Item {
    Leaf(FlagLeaf, bool),
    Branch {
        op: Op,
        children: Vec<Item>,
        satisfied: bool,
    },
}

impl Item {
    fn satisfied(&self) -> bool {
        match self {
            Item::Leaf(_, s) => *s,
            Item::Branch { satisfied, .. } => *satisfied,
        }
    }

    fn render(&self, complex_above: bool, out: &mut String) {
        let (op, children) = match self {
            Item::Leaf(l, _) => {
                out.push_str(&l.to_string());
                return;
            }
            Item::Branch { op, children, .. } => (*op, children),
        };
        match op {
            Op::Plain => {}
            Op::Cond(flag, negate) => {
                if negate {
                    out.push('!');
                }
                out.push_str(flag.as_str());
                out.push_str("? ");
            }
            Op::Group(tag) => out.push_str(match tag {
                Tag::AnyOf => "|| ",
                Tag::ExactlyOne => "^^ ",
                _ => "?? ",
            }),
        }
        out.push('(');
        let complex = complex_above || op.is_operator();
        for c in children {
            if complex || !c.satisfied() {
                out.push(' ');
                c.render(complex, out);
            }
        }
        out.push_str(" )");
    }
}

/// Builds what node `idx` contributes to its parent's children in Portage's
/// rendering tree (after its splicing rules), and the truth value it pushes
/// (see the module docs). `parent` is the operator of the enclosing branch.
fn build(
    spec: &DepSpec<FlagLeaf>,
    idx: u32,
    parent: Op,
    use_enabled: &impl Fn(Sym) -> bool,
) -> (Vec<Item>, Option<bool>) {
    let tag = spec.node(idx).tag;
    let op = match tag {
        Tag::Leaf(i) => {
            let l = spec.leaves[i as usize];
            let s = l.holds(use_enabled);
            return (vec![Item::Leaf(l, s)], Some(s));
        }
        Tag::Use { flag, negate } => {
            if use_enabled(flag) == negate {
                return (Vec::new(), None);
            }
            Op::Cond(flag, negate)
        }
        Tag::All => Op::Plain,
        _ => Op::Group(tag),
    };
    let mut children = Vec::new();
    let (mut members, mut true_members) = (0usize, 0usize);
    for c in spec.children(idx) {
        let (items, v) = build(spec, c, op, use_enabled);
        children.extend(items);
        if let Some(v) = v {
            members += 1;
            true_members += usize::from(v);
        }
    }
    match op {
        Op::Plain => {
            let satisfied = members == true_members;
            let value = (members > 0).then_some(satisfied);
            if children.len() <= 1 || !parent.is_operator() {
                return (children, value);
            }
            let b = Item::Branch {
                op,
                children,
                satisfied,
            };
            (vec![b], value)
        }
        Op::Cond(..) => {
            let satisfied = members == true_members;
            if children.is_empty() {
                return (children, Some(satisfied));
            }
            let b = Item::Branch {
                op,
                children,
                satisfied,
            };
            (vec![b], Some(satisfied))
        }
        Op::Group(tag) => {
            let satisfied = group_satisfied(spec, tag, members, true_members);
            if children.len() <= 1 {
                return match children.pop() {
                    Some(Item::Branch {
                        op: Op::Plain,
                        children: grand,
                        ..
                    }) if !parent.is_operator() => (grand, Some(satisfied)),
                    only => (only.into_iter().collect(), Some(satisfied)),
                };
            }
            let b = Item::Branch {
                op,
                children,
                satisfied,
            };
            (vec![b], Some(satisfied))
        }
    }
}
