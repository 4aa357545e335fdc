//! KEYWORDS against ACCEPT_KEYWORDS (spec §12.2, Portage `KeywordsManager`).
//!
//! Traps:
//! - Accepting `~arch` does not by itself accept `arch`; profiles always keep
//!   the stable keyword, so in practice both are there.
//! - `-arch` and `-*` in KEYWORDS document breakage and never match.
//! - `**` accepts anything, even empty KEYWORDS; `*` accepts a package stable
//!   on any arch; `~*` one in testing on any arch.
//! - A package.accept_keywords line without keywords means "`~k` for every
//!   stable `k` accepted", i.e. `~amd64` on amd64.
//! - "Stable keyword in use" (spec §11.1) is not "KEYWORDS contains ARCH": a
//!   version is stable when it is accepted, and would not be if each of its
//!   stable keywords were turned into a testing one. On riscv
//!   (`ACCEPT_KEYWORDS="riscv ~riscv"`) nothing is ever stable.

use crate::intern::Sym;

/// Applies incremental tokens (`-*` clears, `-x` removes, `x` adds) to `acc`,
/// keeping first-seen order.
pub fn stack_incremental<'a>(acc: &mut Vec<Sym>, tokens: impl IntoIterator<Item = &'a str>) {
    for t in tokens {
        if t == "-*" {
            acc.clear();
        } else if let Some(rest) = t.strip_prefix('-') {
            if let Some(s) = Sym::lookup(rest) {
                acc.retain(|&k| k != s);
            }
        } else {
            let s = Sym::new(t.strip_prefix('+').unwrap_or(t));
            if !acc.contains(&s) {
                acc.push(s);
            }
        }
    }
}

/// Whether a version with effective `keywords` is accepted by `accept` (the
/// final accepted keyword list for this package: ACCEPT_KEYWORDS plus its
/// matching package.accept_keywords entries, already stacked).
pub fn accepted(keywords: &[Sym], accept: &[Sym]) -> bool {
    // A keyword accepted as it is, the usual case, found by symbol alone
    // before any text is read.
    if keywords.iter().any(|k| accept.contains(k)) {
        return true;
    }
    let mut has_stable = false;
    let mut has_testing = false;
    for &k in keywords {
        let s = k.as_str();
        if s == "*" {
            return true;
        }
        if s == "~*" && accept.iter().any(|a| a.as_str().starts_with('~')) {
            return true;
        }
        if s.starts_with('~') {
            has_testing = true;
        } else if !s.starts_with('-') {
            has_stable = true;
        }
    }
    accept.iter().any(|a| {
        let a = a.as_str();
        a == "**" || (has_stable && a == "*") || (has_testing && a == "~*")
    })
}

/// Whether the stable keyword is in use (spec §11.1): accepted as is, and not
/// accepted once every keyword is turned into its testing form (Portage
/// prefixes `~` to every keyword not already testing, even `-x`, and `*`
/// becomes `~*`). Decided without building the testing copies.
pub fn is_stable(keywords: &[Sym], accept: &[Sym]) -> bool {
    if !accepted(keywords, accept) {
        return false;
    }
    if keywords.is_empty() {
        // Accepted only through `**`, which accepts the testing copy too.
        return false;
    }
    // Only an accepted testing keyword can accept a testing copy (most
    // profiles accept their stable arch alone: no keyword to look at).
    if accept.iter().any(|a| a.as_str().starts_with('~')) {
        for &k in keywords {
            let bare = k.as_str().strip_prefix('~').unwrap_or(k.as_str());
            // The testing copy is `~bare`.
            if bare == "*" {
                return false;
            }
            if accept
                .iter()
                .any(|a| a.as_str().strip_prefix('~') == Some(bare))
            {
                return false;
            }
        }
    }
    // Every copy is testing: `**` or `~*` would still accept it.
    !accept.iter().any(|a| matches!(a.as_str(), "**" | "~*"))
}

/// The keywords a package.accept_keywords line without keywords stands for:
/// `~k` for each stable keyword `k` of ACCEPT_KEYWORDS.
pub fn implicit_testing(accept_keywords: &[Sym]) -> Vec<Sym> {
    accept_keywords
        .iter()
        .filter(|k| !k.as_str().starts_with(['~', '-']))
        .map(|k| Sym::new(&format!("~{k}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syms(s: &str) -> Vec<Sym> {
        s.split_whitespace().map(Sym::new).collect()
    }

    #[test]
    fn stable_and_testing() {
        let amd64 = syms("amd64");
        assert!(accepted(&syms("~arm amd64 ~x86"), &amd64));
        assert!(!accepted(&syms("~amd64"), &amd64));
        assert!(!accepted(&syms(""), &amd64));
        assert!(!accepted(&syms("-* x86"), &amd64));
        assert!(accepted(&syms("-* amd64 x86"), &amd64));
        assert!(is_stable(&syms("amd64"), &amd64));
        let riscv = syms("riscv ~riscv");
        assert!(accepted(&syms("~riscv"), &riscv));
        assert!(accepted(&syms("riscv"), &riscv));
        assert!(
            !is_stable(&syms("riscv"), &riscv),
            "nothing is stable on riscv"
        );
    }

    #[test]
    fn wildcards() {
        assert!(accepted(&syms(""), &syms("amd64 **")));
        assert!(
            !is_stable(&syms("x86"), &syms("amd64 **")),
            "** never makes stable"
        );
        assert!(accepted(&syms("x86"), &syms("amd64 *")));
        assert!(!accepted(&syms("~x86"), &syms("amd64 *")));
        assert!(accepted(&syms("~x86"), &syms("amd64 ~*")));
        assert!(accepted(&syms("*"), &syms("amd64")));
    }

    #[test]
    fn no_keyword_accept_line_unstables() {
        let mut acc = syms("amd64");
        let extra = implicit_testing(&acc);
        assert_eq!(extra, syms("~amd64"));
        stack_incremental(&mut acc, extra.iter().map(|s| s.as_str()));
        assert!(accepted(&syms("amd64"), &acc));
        assert!(!is_stable(&syms("amd64"), &acc));
    }

    #[test]
    fn incremental() {
        let mut acc = Vec::new();
        stack_incremental(&mut acc, ["amd64", "~amd64", "-amd64", "x86"]);
        assert_eq!(acc, syms("~amd64 x86"));
        stack_incremental(&mut acc, ["-*", "arm"]);
        assert_eq!(acc, syms("arm"));
    }
}
