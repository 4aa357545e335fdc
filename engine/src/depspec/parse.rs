//! The parser: one left-to-right pass over whitespace-separated tokens with
//! an explicit stack of open groups (no recursion), mirroring the token
//! rules of Portage's `use_reduce`.

use super::{is_valid_use_flag, DepOptions, DepSpec, Node, Tag, MAX_DEPTH};
use crate::intern::Sym;

/// Why a dependency specification string was refused. Offsets are byte
/// offsets into the string; token numbers count whitespace-separated tokens
/// from 1, as Portage reports them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DepSpecError<E> {
    #[error("unbalanced ')' at byte {offset} (token {token})")]
    UnbalancedClose { offset: usize, token: usize },
    #[error("missing ')' at end of string for '(' at byte {offset} (token {token})")]
    Unclosed { offset: usize, token: usize },
    #[error("expected '(' after '{operator}' at byte {offset}, got '{found}'")]
    ExpectedOpen {
        operator: String,
        found: String,
        offset: usize,
        token: usize,
    },
    #[error("missing '(' after '{operator}' at end of string (byte {offset})")]
    MissingOpen { operator: String, offset: usize },
    #[error("empty group '( )' at byte {offset} (token {token})")]
    EmptyGroup { offset: usize, token: usize },
    #[error("missing whitespace: '{text}' at byte {offset} (token {token})")]
    MissingWhitespace {
        text: String,
        offset: usize,
        token: usize,
    },
    #[error("operator '{operator}' is not allowed here (byte {offset}, token {token})")]
    OperatorNotAllowed {
        operator: &'static str,
        offset: usize,
        token: usize,
    },
    #[error("invalid USE flag '{flag}' in conditional '{text}' at byte {offset} (token {token})")]
    InvalidFlag {
        flag: String,
        text: String,
        offset: usize,
        token: usize,
    },
    #[error("groups nested deeper than {limit} at byte {offset} (token {token})")]
    TooDeep {
        limit: usize,
        offset: usize,
        token: usize,
    },
    #[error("'->' is only allowed in SRC_URI (byte {offset}, token {token})")]
    ArrowNotAllowed { offset: usize, token: usize },
    #[error("'->' must follow a URI (byte {offset}, token {token})")]
    ArrowWithoutUri { offset: usize, token: usize },
    #[error("expected a file name after '->', got '{found}' at byte {offset} (token {token})")]
    ExpectedFileName {
        found: String,
        offset: usize,
        token: usize,
    },
    #[error("missing file name after '->' at end of string (byte {offset})")]
    MissingFileName { offset: usize },
    #[error("string too long ({len} bytes)")]
    TooLong { len: usize },
    #[error("invalid token '{text}' at byte {offset} (token {token}): {error}")]
    Leaf {
        text: String,
        offset: usize,
        token: usize,
        error: E,
    },
}

/// Whitespace as Python's `str.split()` sees it (Portage splits with it):
/// Unicode white space plus the ASCII information separators.
fn is_sep(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Yields `(byte offset, token)`.
struct Tokens<'s> {
    s: &'s str,
    pos: usize,
}

impl<'s> Iterator for Tokens<'s> {
    type Item = (usize, &'s str);

    fn next(&mut self) -> Option<(usize, &'s str)> {
        let rest = &self.s[self.pos..];
        let start = self.pos + rest.find(|c: char| !is_sep(c))?;
        let tail = &self.s[start..];
        let len = tail.find(is_sep).unwrap_or(tail.len());
        self.pos = start + len;
        Some((start, &self.s[start..start + len]))
    }
}

/// Portage's hint for a token it could not parse: an operator glued to a
/// neighbour.
fn glued(text: &str) -> bool {
    ["(", ")", "||"]
        .iter()
        .any(|p| text.starts_with(p) || text.ends_with(p))
}

/// An operator or conditional waiting for its `(`.
struct Pending<'s> {
    tag: Tag,
    text: &'s str,
    offset: usize,
}

struct Open {
    node: u32,
    offset: usize,
    token: usize,
}

/// A leaf token not yet handed to the closure (SRC_URI only: a `->` may
/// follow it).
struct HeldLeaf<'s> {
    text: &'s str,
    offset: usize,
    token: usize,
}

struct Builder<L> {
    nodes: Vec<Node>,
    leaves: Vec<L>,
}

impl<L> Builder<L> {
    fn push_leaf<E>(
        &mut self,
        text: &str,
        offset: usize,
        token: usize,
        leaf: &mut impl FnMut(&str) -> Result<L, E>,
    ) -> Result<(), DepSpecError<E>> {
        match leaf(text) {
            Ok(l) => {
                let i = self.leaves.len() as u32;
                self.leaves.push(l);
                let end = self.nodes.len() as u32 + 1;
                self.nodes.push(Node {
                    tag: Tag::Leaf(i),
                    end,
                });
                Ok(())
            }
            Err(_) if glued(text) => Err(DepSpecError::MissingWhitespace {
                text: text.to_owned(),
                offset,
                token,
            }),
            Err(error) => Err(DepSpecError::Leaf {
                text: text.to_owned(),
                offset,
                token,
                error,
            }),
        }
    }
}

impl<L> DepSpec<L> {
    /// Parses `s`. Every token that is not `(`, `)`, an operator or a
    /// conditional is handed to `leaf`; its error is reported with the
    /// token's position. See [`DepSpecError`] for what is refused.
    pub fn parse<E>(
        s: &str,
        opts: DepOptions,
        mut leaf: impl FnMut(&str) -> Result<L, E>,
    ) -> Result<DepSpec<L>, DepSpecError<E>> {
        // Node indices are u32; a token takes at least two bytes with its
        // separator, so this bounds the node count.
        if s.len() >= u32::MAX as usize {
            return Err(DepSpecError::TooLong { len: s.len() });
        }
        let mut b = Builder {
            nodes: vec![Node {
                tag: Tag::All,
                end: 0,
            }],
            leaves: Vec::new(),
        };
        let mut stack: Vec<Open> = Vec::new();
        let mut pending: Option<Pending<'_>> = None;
        let mut held: Option<HeldLeaf<'_>> = None;
        // Position of a `->` waiting for its file name.
        let mut arrow: Option<usize> = None;

        for (i, (offset, text)) in (Tokens { s, pos: 0 }).enumerate() {
            let token = i + 1;

            if arrow.is_some() {
                if matches!(text, "(" | ")" | "->" | "||" | "^^" | "??")
                    || text.contains('/')
                    || text.ends_with('?')
                {
                    return Err(DepSpecError::ExpectedFileName {
                        found: text.to_owned(),
                        offset,
                        token,
                    });
                }
                arrow = None;
                // `held` is always set when `arrow` is (checked at `->`).
                if let Some(h) = held.take() {
                    let joined = format!("{} -> {}", h.text, text);
                    b.push_leaf(&joined, h.offset, h.token, &mut leaf)?;
                }
                continue;
            }
            if text == "->" {
                if !opts.src_uri_arrows {
                    return Err(DepSpecError::ArrowNotAllowed { offset, token });
                }
                if held.is_none() {
                    return Err(DepSpecError::ArrowWithoutUri { offset, token });
                }
                arrow = Some(offset);
                continue;
            }
            if let Some(h) = held.take() {
                b.push_leaf(h.text, h.offset, h.token, &mut leaf)?;
            }

            let operator = match text {
                "(" => {
                    if stack.len() >= MAX_DEPTH {
                        return Err(DepSpecError::TooDeep {
                            limit: MAX_DEPTH,
                            offset,
                            token,
                        });
                    }
                    let tag = pending.take().map_or(Tag::All, |p| p.tag);
                    stack.push(Open {
                        node: b.nodes.len() as u32,
                        offset,
                        token,
                    });
                    b.nodes.push(Node { tag, end: 0 });
                    continue;
                }
                ")" => {
                    if let Some(p) = pending.take() {
                        return Err(DepSpecError::ExpectedOpen {
                            operator: p.text.to_owned(),
                            found: text.to_owned(),
                            offset,
                            token,
                        });
                    }
                    let Some(open) = stack.pop() else {
                        return Err(DepSpecError::UnbalancedClose { offset, token });
                    };
                    let end = b.nodes.len() as u32;
                    if end == open.node + 1 && !opts.allow_empty_groups {
                        return Err(DepSpecError::EmptyGroup {
                            offset: open.offset,
                            token: open.token,
                        });
                    }
                    b.nodes[open.node as usize].end = end;
                    continue;
                }
                "||" => Some((Tag::AnyOf, opts.any_of, "||")),
                "^^" => Some((Tag::ExactlyOne, opts.exactly_one, "^^")),
                "??" => Some((Tag::AtMostOne, opts.at_most_one, "??")),
                _ => None,
            };

            if let Some(p) = &pending {
                return Err(if text.starts_with('(') {
                    DepSpecError::MissingWhitespace {
                        text: text.to_owned(),
                        offset,
                        token,
                    }
                } else {
                    DepSpecError::ExpectedOpen {
                        operator: p.text.to_owned(),
                        found: text.to_owned(),
                        offset,
                        token,
                    }
                });
            }

            if let Some((tag, allowed, name)) = operator {
                if !allowed {
                    return Err(DepSpecError::OperatorNotAllowed {
                        operator: name,
                        offset,
                        token,
                    });
                }
                pending = Some(Pending { tag, text, offset });
            } else if let Some(cond) = text.strip_suffix('?') {
                let (negate, flag) = match cond.strip_prefix('!') {
                    Some(f) => (true, f),
                    None => (false, cond),
                };
                if !is_valid_use_flag(flag) {
                    return Err(if glued(flag) {
                        DepSpecError::MissingWhitespace {
                            text: text.to_owned(),
                            offset,
                            token,
                        }
                    } else {
                        DepSpecError::InvalidFlag {
                            flag: flag.to_owned(),
                            text: text.to_owned(),
                            offset,
                            token,
                        }
                    });
                }
                pending = Some(Pending {
                    tag: Tag::Use {
                        flag: Sym::new(flag),
                        negate,
                    },
                    text,
                    offset,
                });
            } else if opts.src_uri_arrows {
                held = Some(HeldLeaf {
                    text,
                    offset,
                    token,
                });
            } else {
                b.push_leaf(text, offset, token, &mut leaf)?;
            }
        }

        if let Some(h) = held.take() {
            b.push_leaf(h.text, h.offset, h.token, &mut leaf)?;
        }
        if let Some(offset) = arrow {
            return Err(DepSpecError::MissingFileName { offset });
        }
        if let Some(p) = pending {
            return Err(DepSpecError::MissingOpen {
                operator: p.text.to_owned(),
                offset: p.offset,
            });
        }
        if let Some(open) = stack.pop() {
            return Err(DepSpecError::Unclosed {
                offset: open.offset,
                token: open.token,
            });
        }
        b.nodes[0].end = b.nodes.len() as u32;
        Ok(DepSpec {
            nodes: b.nodes.into(),
            leaves: b.leaves.into(),
            opts,
        })
    }
}
