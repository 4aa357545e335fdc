//! Resolving USE conditionals: [`DepSpec::reduce`] (a tree) and
//! [`DepSpec::evaluate`] (a verdict, without allocating).
//!
//! Semantics are Portage's `use_reduce`: a conditional whose test is false
//! vanishes (it is not even a member of an enclosing `||`), an active one is
//! an all-of group of its children. Groups left empty vanish, except an
//! any-of group when [`DepOptions::empty_any_of_unsatisfied`] is set
//! (EAPI 7+), which becomes [`Reduced::Unsatisfiable`] where Portage inserts
//! its `__const__/empty-any-of` placeholder atom.
//!
//! The tree is normalised the way Portage normalises its nested lists: an
//! all-of inside an all-of is spliced in, an any-of directly inside an any-of
//! is merged into it, and a group with a single member is replaced by that
//! member (so `|| ( a )` is `a`). Hence a [`Reduced::All`] below the root
//! only occurs as a member of an any-of (or `^^`/`??`) group, and has at
//! least two members. `^^` and `??` groups (REQUIRED_USE) are not
//! simplified; use [`check_required_use`](super::check_required_use) to
//! decide REQUIRED_USE, it follows Portage's own rules for them.
//!
//! [`DepOptions::empty_any_of_unsatisfied`]: super::DepOptions::empty_any_of_unsatisfied

use std::fmt;

use super::{DepSpec, Tag};
use crate::intern::Sym;

/// A dependency specification with its conditionals resolved; leaves borrow
/// from the [`DepSpec`]. [`DepSpec::reduce`] always returns an `All` at the
/// top (possibly empty).
#[derive(Debug, PartialEq, Eq)]
pub enum Reduced<'a, L> {
    Leaf(&'a L),
    /// Every member is required.
    All(Vec<Reduced<'a, L>>),
    /// At least one member is required; two or more members.
    AnyOf(Vec<Reduced<'a, L>>),
    /// `^^ ( … )` (REQUIRED_USE), members kept as written.
    ExactlyOne(Vec<Reduced<'a, L>>),
    /// `?? ( … )` (REQUIRED_USE), members kept as written.
    AtMostOne(Vec<Reduced<'a, L>>),
    /// An any-of (or exactly-one-of) group that lost all its members in
    /// EAPI 7+: can never be satisfied.
    Unsatisfiable,
}

impl<L> Clone for Reduced<'_, L> {
    fn clone(&self) -> Self {
        match self {
            Reduced::Leaf(l) => Reduced::Leaf(l),
            Reduced::All(v) => Reduced::All(v.clone()),
            Reduced::AnyOf(v) => Reduced::AnyOf(v.clone()),
            Reduced::ExactlyOne(v) => Reduced::ExactlyOne(v.clone()),
            Reduced::AtMostOne(v) => Reduced::AtMostOne(v.clone()),
            Reduced::Unsatisfiable => Reduced::Unsatisfiable,
        }
    }
}

impl<'a, L> Reduced<'a, L> {
    /// Whether the tree is satisfied when `leaf` decides each leaf.
    pub fn is_satisfied(&self, leaf: &mut impl FnMut(&L) -> bool) -> bool {
        match self {
            Reduced::Leaf(l) => leaf(l),
            Reduced::All(v) => v.iter().all(|m| m.is_satisfied(leaf)),
            Reduced::AnyOf(v) => v.iter().any(|m| m.is_satisfied(leaf)),
            Reduced::ExactlyOne(v) => v.iter().filter(|m| m.is_satisfied(leaf)).count() == 1,
            Reduced::AtMostOne(v) => v.iter().filter(|m| m.is_satisfied(leaf)).count() <= 1,
            Reduced::Unsatisfiable => false,
        }
    }

    /// Every leaf of the reduced tree, in order.
    pub fn leaves(&self) -> Vec<&'a L> {
        let mut out = Vec::new();
        self.collect_leaves(&mut out);
        out
    }

    fn collect_leaves(&self, out: &mut Vec<&'a L>) {
        match self {
            Reduced::Leaf(l) => out.push(l),
            Reduced::All(v)
            | Reduced::AnyOf(v)
            | Reduced::ExactlyOne(v)
            | Reduced::AtMostOne(v) => v.iter().for_each(|m| m.collect_leaves(out)),
            Reduced::Unsatisfiable => {}
        }
    }
}

/// Renders like a dependency string (`a || ( b c )`); the top-level `All`
/// has no parentheses, [`Reduced::Unsatisfiable`] is written as Portage's
/// placeholder `__const__/empty-any-of`.
impl<L: fmt::Display> fmt::Display for Reduced<'_, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn items<L: fmt::Display>(f: &mut fmt::Formatter<'_>, v: &[Reduced<'_, L>]) -> fmt::Result {
            for (i, m) in v.iter().enumerate() {
                if i > 0 {
                    f.write_str(" ")?;
                }
                m.write(f)?;
            }
            Ok(())
        }
        match self {
            Reduced::All(v) => items(f, v),
            other => other.write(f),
        }
    }
}

impl<L: fmt::Display> Reduced<'_, L> {
    fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (open, v) = match self {
            Reduced::Leaf(l) => return write!(f, "{l}"),
            Reduced::Unsatisfiable => return f.write_str("__const__/empty-any-of"),
            Reduced::All(v) => ("(", v),
            Reduced::AnyOf(v) => ("|| (", v),
            Reduced::ExactlyOne(v) => ("^^ (", v),
            Reduced::AtMostOne(v) => ("?? (", v),
        };
        f.write_str(open)?;
        for m in v {
            f.write_str(" ")?;
            m.write(f)?;
        }
        f.write_str(" )")
    }
}

impl<L> DepSpec<L> {
    /// Resolves the conditionals with the flags `use_enabled` says are on.
    pub fn reduce(&self, use_enabled: impl Fn(Sym) -> bool) -> Reduced<'_, L> {
        self.reduce_when(|flag, negate| use_enabled(flag) != negate)
    }

    /// Like [`DepSpec::reduce`], but `active(flag, negated)` decides each
    /// conditional directly: `flag?` has `negated == false`, `!flag?` true.
    /// This expresses Portage's `matchall`, `masklist` and `excludeall`
    /// (e.g. `|_, _| true` takes every branch).
    pub fn reduce_when(&self, active: impl Fn(Sym, bool) -> bool) -> Reduced<'_, L> {
        let mut items = Vec::new();
        for c in self.children(0) {
            match self.reduce_node(c, &active) {
                None => {}
                Some(Reduced::All(v)) => items.extend(v),
                Some(r) => items.push(r),
            }
        }
        Reduced::All(items)
    }

    /// Whether the specification is satisfied under `use_enabled` when
    /// `leaf` decides each leaf (e.g. "this licence is accepted"). Same
    /// answer as `reduce(use_enabled).is_satisfied(leaf)`, without building
    /// the tree; `leaf` may not be asked about every leaf.
    pub fn evaluate(
        &self,
        use_enabled: impl Fn(Sym) -> bool,
        mut leaf: impl FnMut(&L) -> bool,
    ) -> bool {
        self.eval_group(0, &use_enabled, &mut leaf).unwrap_or(true)
    }

    pub(super) fn children(&self, idx: u32) -> impl Iterator<Item = u32> + '_ {
        let end = self.node(idx).end;
        let mut next = self.first_child(idx);
        std::iter::from_fn(move || {
            (next < end).then(|| {
                let c = next;
                next = self.node(c).end;
                c
            })
        })
    }

    fn reduce_node<'a>(
        &'a self,
        idx: u32,
        active: &impl Fn(Sym, bool) -> bool,
    ) -> Option<Reduced<'a, L>> {
        let tag = self.node(idx).tag;
        match tag {
            Tag::Leaf(i) => Some(Reduced::Leaf(&self.leaves[i as usize])),
            Tag::Use { flag, negate } if !active(flag, negate) => None,
            Tag::Use { .. } | Tag::All => {
                let mut items = Vec::new();
                for c in self.children(idx) {
                    match self.reduce_node(c, active) {
                        None => {}
                        Some(Reduced::All(v)) => items.extend(v),
                        Some(r) => items.push(r),
                    }
                }
                match items.len() {
                    0 => None,
                    1 => items.pop(),
                    _ => Some(Reduced::All(items)),
                }
            }
            Tag::AnyOf => {
                let mut members = Vec::new();
                for c in self.children(idx) {
                    match self.reduce_node(c, active) {
                        None => {}
                        Some(Reduced::AnyOf(v)) => members.extend(v),
                        Some(r) => members.push(r),
                    }
                }
                match members.len() {
                    0 => self.empty_any_of(),
                    1 => members.pop(),
                    _ => Some(Reduced::AnyOf(members)),
                }
            }
            Tag::ExactlyOne | Tag::AtMostOne => {
                let members: Vec<_> = self
                    .children(idx)
                    .filter_map(|c| self.reduce_node(c, active))
                    .collect();
                if members.is_empty() {
                    // `?? ( )` is always satisfied; `^^ ( )` follows the
                    // any-of rule.
                    return match tag {
                        Tag::ExactlyOne => self.empty_any_of(),
                        _ => None,
                    };
                }
                Some(match tag {
                    Tag::ExactlyOne => Reduced::ExactlyOne(members),
                    _ => Reduced::AtMostOne(members),
                })
            }
        }
    }

    fn empty_any_of<'a>(&self) -> Option<Reduced<'a, L>> {
        self.opts
            .empty_any_of_unsatisfied
            .then_some(Reduced::Unsatisfiable)
    }

    /// `None`: the node vanished (inactive conditional, empty group).
    fn eval_group(
        &self,
        idx: u32,
        use_enabled: &impl Fn(Sym) -> bool,
        leaf: &mut impl FnMut(&L) -> bool,
    ) -> Option<bool> {
        let tag = self.node(idx).tag;
        match tag {
            Tag::Leaf(i) => Some(leaf(&self.leaves[i as usize])),
            Tag::Use { flag, negate } if use_enabled(flag) == negate => None,
            Tag::Use { .. } | Tag::All => {
                let mut any = false;
                for c in self.children(idx) {
                    match self.eval_group(c, use_enabled, leaf) {
                        Some(false) => return Some(false),
                        Some(true) => any = true,
                        None => {}
                    }
                }
                any.then_some(true)
            }
            Tag::AnyOf => {
                let mut any = false;
                for c in self.children(idx) {
                    match self.eval_group(c, use_enabled, leaf) {
                        Some(true) => return Some(true),
                        Some(false) => any = true,
                        None => {}
                    }
                }
                if any {
                    Some(false)
                } else {
                    self.opts.empty_any_of_unsatisfied.then_some(false)
                }
            }
            Tag::ExactlyOne | Tag::AtMostOne => {
                let (mut members, mut satisfied) = (0usize, 0usize);
                for c in self.children(idx) {
                    if let Some(v) = self.eval_group(c, use_enabled, leaf) {
                        members += 1;
                        satisfied += usize::from(v);
                    }
                }
                match tag {
                    Tag::ExactlyOne if members == 0 => {
                        self.opts.empty_any_of_unsatisfied.then_some(false)
                    }
                    Tag::ExactlyOne => Some(satisfied == 1),
                    _ if members == 0 => None,
                    _ => Some(satisfied <= 1),
                }
            }
        }
    }
}
