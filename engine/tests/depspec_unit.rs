//! Unit tests of `depspec`: errors, EAPI-dependent empty groups, the tree
//! view, SRC_URI arrows, REQUIRED_USE explanations, and robustness (deep
//! nesting, huge strings, random token soup must never panic).

use portolan_engine::depspec::{
    check_required_use, required_use_unsatisfied, DepOptions, DepSpec, DepSpecError, FlagLeaf,
    NodeKind, Reduced, MAX_DEPTH,
};
use portolan_engine::intern::Sym;

fn word(s: &str) -> Result<String, String> {
    if s.starts_with(['(', ')']) || s.ends_with(['(', ')']) || s.contains("||") {
        return Err("not a word".to_owned());
    }
    Ok(s.to_owned())
}

fn deps(s: &str, eapi7: bool) -> Result<DepSpec<String>, DepSpecError<String>> {
    DepSpec::parse(s, DepOptions::dependencies(eapi7), word)
}

fn on<'a>(flags: &'a [&'a str]) -> impl Fn(Sym) -> bool + 'a {
    move |f| flags.contains(&f.as_str())
}

fn ru(s: &str, eapi: u32) -> DepSpec<FlagLeaf> {
    DepSpec::parse(
        s,
        DepOptions::required_use(eapi >= 5, eapi >= 7),
        FlagLeaf::parse,
    )
    .unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn leaf<'a>(r: &Reduced<'a, String>) -> &'a str {
    match r {
        Reduced::Leaf(l) => l.as_str(),
        other => panic!("not a leaf: {other:?}"),
    }
}

#[test]
fn missing_whitespace_is_named() {
    let e = deps("||( a )", true).unwrap_err();
    assert_eq!(
        e,
        DepSpecError::MissingWhitespace {
            text: "||(".into(),
            offset: 0,
            token: 1
        }
    );
    assert_eq!(
        e.to_string(),
        "missing whitespace: '||(' at byte 0 (token 1)"
    );

    let e = deps("a? (b)", true).unwrap_err();
    assert_eq!(
        e.to_string(),
        "missing whitespace: '(b)' at byte 3 (token 2)"
    );

    let e = deps("x? ( a b)", true).unwrap_err();
    assert!(
        matches!(e, DepSpecError::MissingWhitespace { ref text, offset: 7, token: 4 } if text == "b)")
    );

    let e = deps("x?( a )", true).unwrap_err();
    assert!(matches!(e, DepSpecError::MissingWhitespace { ref text, .. } if text == "x?("));

    let e = deps("( x )?", true).unwrap_err();
    assert!(matches!(e, DepSpecError::MissingWhitespace { ref text, .. } if text == ")?"));
}

#[test]
fn unbalanced_parentheses() {
    let e = deps("a/b ) c", true).unwrap_err();
    assert_eq!(
        e,
        DepSpecError::UnbalancedClose {
            offset: 4,
            token: 2
        }
    );
    assert_eq!(e.to_string(), "unbalanced ')' at byte 4 (token 2)");

    let e = deps("a ( b ( c )", true).unwrap_err();
    // The innermost unclosed group is reported.
    assert_eq!(
        e,
        DepSpecError::Unclosed {
            offset: 2,
            token: 2
        }
    );
    assert!(e.to_string().contains("missing ')'"));

    assert!(matches!(
        deps("(", true),
        Err(DepSpecError::Unclosed { .. })
    ));
    assert!(matches!(
        deps(")", true),
        Err(DepSpecError::UnbalancedClose { .. })
    ));
}

#[test]
fn operators_need_a_group() {
    let e = deps("|| a b", true).unwrap_err();
    assert_eq!(e.to_string(), "expected '(' after '||' at byte 3, got 'a'");
    let e = deps("a foo?", true).unwrap_err();
    assert_eq!(
        e,
        DepSpecError::MissingOpen {
            operator: "foo?".into(),
            offset: 2
        }
    );
    assert!(matches!(
        deps("|| )", true),
        Err(DepSpecError::ExpectedOpen { .. })
    ));
    assert!(matches!(
        deps("|| || ( a )", true),
        Err(DepSpecError::ExpectedOpen { .. })
    ));
    assert!(matches!(
        deps("x? y", true),
        Err(DepSpecError::ExpectedOpen { .. })
    ));
}

#[test]
fn empty_groups_are_refused_except_in_required_use() {
    for s in ["( )", "|| ( )", "a? ( )", "a ( b ( ) )"] {
        let e = deps(s, true).unwrap_err();
        assert!(matches!(e, DepSpecError::EmptyGroup { .. }), "{s}: {e}");
    }
    assert_eq!(
        deps("a ( )", false).unwrap_err().to_string(),
        "empty group '( )' at byte 2 (token 2)"
    );
    // check_required_use has its own parser, which accepts them.
    let spec = ru("|| ( ( a ( ( ) ( ) ) ) ) ?? ( )", 8);
    assert!(!check_required_use(&spec, on(&[])));
    assert!(check_required_use(&spec, on(&["a"])));
}

#[test]
fn operators_allowed_per_field() {
    let e = deps("^^ ( a b )", true).unwrap_err();
    assert_eq!(
        e,
        DepSpecError::OperatorNotAllowed {
            operator: "^^",
            offset: 0,
            token: 1
        }
    );
    assert!(matches!(
        deps("?? ( a b )", true),
        Err(DepSpecError::OperatorNotAllowed { operator: "??", .. })
    ));
    let restrict = DepSpec::parse("|| ( a b )", DepOptions::restrict(), word);
    assert!(matches!(
        restrict,
        Err(DepSpecError::OperatorNotAllowed { operator: "||", .. })
    ));
    // `??` only from EAPI 5 on.
    let e = DepSpec::parse(
        "?? ( a b )",
        DepOptions::required_use(false, false),
        FlagLeaf::parse,
    )
    .unwrap_err();
    assert!(e.to_string().contains("'??' is not allowed"), "{e}");
    assert!(DepSpec::parse(
        "?? ( a b )",
        DepOptions::required_use(true, false),
        FlagLeaf::parse
    )
    .is_ok());
}

#[test]
fn conditional_flags_must_be_valid() {
    for s in [
        "? ( a )",
        "!? ( a )",
        "1.0? ( a )",
        "!!a? ( b )",
        "a/b? ( c )",
    ] {
        let e = deps(s, true).unwrap_err();
        assert!(matches!(e, DepSpecError::InvalidFlag { .. }), "{s}: {e}");
    }
    let e = deps("x 1.0? ( a )", true).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid USE flag '1.0' in conditional '1.0?' at byte 2 (token 2)"
    );
    assert!(deps("abi_x86_64? ( a ) !c++11? ( b ) x@y? ( c )", true).is_ok());
}

#[test]
fn leaf_errors_carry_position_and_cause() {
    let e = DepSpec::parse("a b  bad c", DepOptions::dependencies(true), |s: &str| {
        if s == "bad" {
            Err("no category")
        } else {
            Ok(s.to_owned())
        }
    })
    .unwrap_err();
    assert_eq!(
        e,
        DepSpecError::Leaf {
            text: "bad".into(),
            offset: 5,
            token: 3,
            error: "no category"
        }
    );
    assert_eq!(
        e.to_string(),
        "invalid token 'bad' at byte 5 (token 3): no category"
    );
    let e = DepSpec::parse(
        "a !b",
        DepOptions::required_use(true, true),
        FlagLeaf::parse,
    );
    assert!(e.is_ok());
    let e = DepSpec::parse(
        "a !!b",
        DepOptions::required_use(true, true),
        FlagLeaf::parse,
    )
    .unwrap_err();
    assert!(matches!(e, DepSpecError::Leaf { ref text, offset: 2, .. } if text == "!!b"));
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let n = 100_000;
    let s = format!("{}a{}", "( ".repeat(n), " )".repeat(n));
    let e = deps(&s, true).unwrap_err();
    assert_eq!(
        e,
        DepSpecError::TooDeep {
            limit: MAX_DEPTH,
            offset: 2 * MAX_DEPTH,
            token: MAX_DEPTH + 1
        }
    );
    let s = format!("{}a{}", "|| ( ".repeat(n), " )".repeat(n));
    assert!(matches!(deps(&s, true), Err(DepSpecError::TooDeep { .. })));
    // Right at the limit is fine, and evaluates.
    let s = format!("{}a{}", "x? ( ".repeat(MAX_DEPTH), " )".repeat(MAX_DEPTH));
    let spec = deps(&s, true).unwrap();
    assert_eq!(
        spec.reduce(on(&["x"])),
        Reduced::All(vec![Reduced::Leaf(&"a".to_owned())])
    );
    assert_eq!(spec.reduce(on(&[])), Reduced::All(vec![]));
    // Unbalanced closers far beyond the limit.
    assert!(matches!(
        deps(&") ".repeat(n), true),
        Err(DepSpecError::UnbalancedClose { .. })
    ));
}

#[test]
fn huge_strings_are_handled() {
    let n = 200_000;
    let s: String = (0..n)
        .map(|i| format!("x{}? ( || ( a/b{i} c/d ) ) ", i % 7))
        .collect();
    let spec = deps(&s, true).unwrap();
    assert_eq!(spec.leaves().len(), 2 * n);
    assert_eq!(spec.flags().count(), n);
    let Reduced::All(items) = spec.reduce(on(&["x3"])) else {
        panic!()
    };
    assert_eq!(items.len(), (0..n).filter(|i| i % 7 == 3).count());
    assert!(spec.evaluate(on(&["x3"]), |l| l == "c/d"));
    assert_eq!(spec.to_string().len(), s.len() - 1);
    // One enormous token.
    let big = "a".repeat(1 << 20);
    assert_eq!(deps(&big, true).unwrap().leaves()[0].len(), 1 << 20);
}

#[test]
fn empty_any_of_depends_on_eapi() {
    let s = "a || ( x? ( b ) )";
    let r = deps(s, false).unwrap();
    let a = "a".to_owned();
    assert_eq!(r.reduce(on(&[])), Reduced::All(vec![Reduced::Leaf(&a)]));
    assert!(r.evaluate(on(&[]), |_| true));

    let r7 = deps(s, true).unwrap();
    let red = r7.reduce(on(&[]));
    assert_eq!(
        red,
        Reduced::All(vec![Reduced::Leaf(&a), Reduced::Unsatisfiable])
    );
    assert_eq!(red.to_string(), "a __const__/empty-any-of");
    assert!(!red.is_satisfied(&mut |_| true));
    assert!(!r7.evaluate(on(&[]), |_| true));
    // With the flag on the group has a member again.
    assert!(r7.evaluate(on(&["x"]), |_| true));

    // Portage keeps the placeholder as a member of an enclosing any-of.
    let r7 = deps("|| ( b || ( x? ( c ) ) )", true).unwrap();
    let red = r7.reduce(on(&[]));
    let Reduced::All(top) = &red else { panic!() };
    let [Reduced::AnyOf(m)] = top.as_slice() else {
        panic!("{red:?}")
    };
    assert_eq!(leaf(&m[0]), "b");
    assert_eq!(m[1], Reduced::Unsatisfiable);
    assert!(r7.evaluate(on(&[]), |l| l == "b"));
    assert!(!r7.evaluate(on(&[]), |_| false));
    // An all-of emptied by conditionals just disappears, in every EAPI.
    let r7 = deps("|| ( ( x? ( c ) ) d )", true).unwrap();
    assert_eq!(r7.reduce(on(&[])).to_string(), "d");
}

#[test]
fn required_use_empty_groups_per_eapi() {
    for (s, use_on, eapi6, eapi8) in [
        ("^^ ( x? ( a ) )", &[][..], true, false),
        ("|| ( x? ( a ) )", &[][..], true, false),
        ("?? ( x? ( a ) )", &[][..], true, true),
        ("|| ( )", &[][..], true, false),
        ("^^ ( a? ( !b ) !c? ( d ) )", &["c"][..], true, false),
        ("^^ ( a? ( !b ) !c? ( d ) )", &["a", "c"][..], true, true),
        // An active conditional whose children all vanished counts as a
        // satisfied member (Portage's is_satisfied on an empty list)...
        ("|| ( a? ( b? ( c ) ) )", &["a"][..], true, true),
        ("^^ ( a? ( b? ( c ) ) d )", &["a", "d"][..], false, false),
        // ... whereas an emptied plain group is no member at all.
        ("|| ( ( b? ( c ) ) )", &["a"][..], true, false),
    ] {
        assert_eq!(
            check_required_use(&ru(s, 6), on(use_on)),
            eapi6,
            "{s} EAPI 6"
        );
        assert_eq!(
            check_required_use(&ru(s, 8), on(use_on)),
            eapi8,
            "{s} EAPI 8"
        );
    }
}

#[test]
fn required_use_explanations() {
    let spec = ru(
        "bindist? ( !amr !faac ) cdio? ( !cdparanoia !cddb ) ^^ ( foo bar )",
        8,
    );
    let got = required_use_unsatisfied(&spec, on(&["cdio", "cdparanoia", "foo", "bar"]));
    assert_eq!(got, ["cdio? ( !cdparanoia )", "^^ ( foo bar )"]);
    assert!(required_use_unsatisfied(&spec, on(&["foo"])).is_empty());

    let spec = ru("^^ ( || ( ( a b ) ) ( c ) )", 8);
    assert_eq!(
        required_use_unsatisfied(&spec, on(&["a", "b", "c"])),
        ["^^ ( ( a b ) c )"]
    );
    // Quirk: an operator that lost every member fails but is not shown.
    let spec = ru("|| ( x? ( a ) )", 8);
    assert!(!check_required_use(&spec, on(&[])));
    assert!(required_use_unsatisfied(&spec, on(&[])).is_empty());
}

#[test]
fn tree_view_and_display() {
    let spec = deps(" a/b\t|| (  c/d ( e/f g/h )\n)  !x? ( i/j ) ", true).unwrap();
    assert_eq!(spec.to_string(), "a/b || ( c/d ( e/f g/h ) ) !x? ( i/j )");
    assert_eq!(spec.leaves(), ["a/b", "c/d", "e/f", "g/h", "i/j"]);
    assert_eq!(spec.flags().map(|f| f.as_str()).collect::<Vec<_>>(), ["x"]);
    let root = spec.root();
    assert!(root.is_root());
    assert_eq!(root.kind(), NodeKind::AllOf);
    let top: Vec<_> = root.children().collect();
    assert_eq!(top.len(), 3);
    assert_eq!(top[0].leaf().map(String::as_str), Some("a/b"));
    assert_eq!(top[1].kind(), NodeKind::AnyOf);
    assert_eq!(
        top[2].kind(),
        NodeKind::Conditional {
            flag: Sym::new("x"),
            negate: true
        }
    );
    let any: Vec<_> = top[1].children().collect();
    assert_eq!(any.len(), 2);
    assert_eq!(any[1].kind(), NodeKind::AllOf);
    assert_eq!(any[1].children().count(), 2);
    assert_eq!(top[0].children().count(), 0);
    assert_eq!(spec.node_count(), 8);

    let empty: DepSpec<String> = DepSpec::empty();
    assert!(empty.is_empty());
    assert_eq!(empty.to_string(), "");
    assert_eq!(empty.reduce(on(&[])), Reduced::All(vec![]));
    assert!(deps(" \n\t", true).unwrap().is_empty());

    let r = spec.reduce(on(&[]));
    assert_eq!(r.to_string(), "a/b || ( c/d ( e/f g/h ) ) i/j");
    assert_eq!(
        r.leaves().iter().map(|l| l.as_str()).collect::<Vec<_>>(),
        ["a/b", "c/d", "e/f", "g/h", "i/j"]
    );
}

#[test]
fn required_use_leaves() {
    let l = FlagLeaf::parse("!foo").unwrap();
    assert_eq!(
        l,
        FlagLeaf {
            flag: Sym::new("foo"),
            negate: true
        }
    );
    assert_eq!(l.to_string(), "!foo");
    for bad in ["", "!", "!!a", "a?", "-a", "(a", "a b"] {
        assert!(FlagLeaf::parse(bad).is_err(), "{bad}");
    }
    let spec = ru("a? ( !b ) ^^ ( c d )", 8);
    let mut flags: Vec<_> = spec.referenced_flags().map(|f| f.as_str()).collect();
    flags.sort();
    assert_eq!(flags, ["a", "b", "c", "d"]);
}

#[test]
fn src_uri_arrows() {
    let opts = DepOptions::src_uri(true);
    let spec = DepSpec::parse(
        "https://x.org/a-1.tar.gz -> a-1.tar.gz foo? ( mirror://b/c.zip ) https://d/e",
        opts,
        word,
    )
    .unwrap();
    assert_eq!(
        spec.leaves(),
        [
            "https://x.org/a-1.tar.gz -> a-1.tar.gz",
            "mirror://b/c.zip",
            "https://d/e"
        ]
    );
    assert_eq!(
        spec.reduce(on(&[])).to_string(),
        "https://x.org/a-1.tar.gz -> a-1.tar.gz https://d/e"
    );

    let err = |s: &str, o: DepOptions| DepSpec::parse(s, o, word).unwrap_err();
    assert!(matches!(
        err("http://a -> b", DepOptions::src_uri(false)),
        DepSpecError::ArrowNotAllowed { .. }
    ));
    assert!(matches!(
        err("http://a -> b", DepOptions::dependencies(true)),
        DepSpecError::ArrowNotAllowed { .. }
    ));
    assert!(matches!(
        err("-> b", opts),
        DepSpecError::ArrowWithoutUri { .. }
    ));
    assert!(matches!(
        err("x? ( a ) -> b", opts),
        DepSpecError::ArrowWithoutUri { .. }
    ));
    assert!(matches!(
        err("http://a -> b/c", opts),
        DepSpecError::ExpectedFileName { .. }
    ));
    assert!(matches!(
        err("http://a -> -> c", opts),
        DepSpecError::ExpectedFileName { .. }
    ));
    assert!(matches!(
        err("x? ( http://a -> ) b", opts),
        DepSpecError::ExpectedFileName { .. }
    ));
    assert!(matches!(
        err("http://a ->", opts),
        DepSpecError::MissingFileName { offset: 9 }
    ));
    assert!(matches!(
        err("|| ( http://a )", opts),
        DepSpecError::OperatorNotAllowed { .. }
    ));
}

/// Tiny deterministic generator (xorshift), so the soup is reproducible.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn random_token_soup_never_panics() {
    const TOKENS: &[&str] = &[
        "(", ")", "(", ")", "||", "^^", "??", "a", "!b", "c", "x?", "!y?", "->", "f", "(x", "x)",
        "||(", "?", "!", "é", "\u{a0}", "\u{1f}", "a/b",
    ];
    let all_opts = [
        DepOptions::dependencies(false),
        DepOptions::dependencies(true),
        DepOptions::required_use(true, true),
        DepOptions::required_use(false, false),
        DepOptions::src_uri(true),
        DepOptions::restrict(),
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut parsed = 0;
    for _ in 0..20_000 {
        let n = (rng.next() % 14) as usize;
        let mut s = String::new();
        for _ in 0..n {
            s.push_str(TOKENS[(rng.next() % TOKENS.len() as u64) as usize]);
            if rng.next() & 7 > 0 {
                s.push(' ');
            }
        }
        let use_on = |f: Sym| f.as_str() == "x";
        for opts in all_opts {
            if let Ok(spec) = DepSpec::parse(&s, opts, |t: &str| Ok::<_, ()>(t.to_owned())) {
                parsed += 1;
                let shown = spec.to_string();
                let again = DepSpec::parse(&shown, opts, |t: &str| Ok::<_, ()>(t.to_owned()))
                    .unwrap_or_else(|e| panic!("{s:?} -> {shown:?}: {e:?}"));
                assert_eq!(again.to_string(), shown);
                let r = spec.reduce(use_on);
                let _ = r.to_string();
                let pick = |l: &String| l.len() % 3 == 1;
                assert_eq!(
                    spec.evaluate(use_on, pick),
                    r.is_satisfied(&mut |l| pick(l)),
                    "{s:?}"
                );
                for node in spec.root().children() {
                    let _ = node.kind();
                }
            }
            if let Ok(spec) = DepSpec::parse(&s, opts, FlagLeaf::parse) {
                let ok = check_required_use(&spec, use_on);
                let why = required_use_unsatisfied(&spec, use_on);
                assert!(!ok || why.is_empty(), "{s:?}");
            }
        }
    }
    assert!(parsed > 1000, "soup too invalid to be useful: {parsed}");
}
