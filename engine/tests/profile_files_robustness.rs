//! No panics and linear time on arbitrary input (a cheap stand-in until the
//! fuzzers run): random byte strings biased towards the syntax, and huge
//! pathological inputs.

use std::time::{Duration, Instant};

use portolan_engine::profile::files::clean_lines;
use portolan_engine::profile::make_defaults::{parse, parse_and_expand, RawValue};
use portolan_engine::source::Loc;

/// xorshift64*: deterministic, dependency-free.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const PIECES: &[&str] = &[
    "A", "B", "_", "1", "=", "\"", "'", "\\", "\n", "\r", " ", "\t", "#", "$", "{", "}", "(", ")",
    "export", "é", "\u{0}", "\u{1c}", "\u{a0}", "x", "-", "*", ":", "${A}", "$A", "${", "\\\n",
];

fn random_text(rng: &mut Rng) -> String {
    let n = rng.below(40);
    (0..n).map(|_| PIECES[rng.below(PIECES.len())]).collect()
}

#[test]
fn random_inputs_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let loc = Loc::new("fuzz/make.defaults", 0);
    for _ in 0..20_000 {
        let text = random_text(&mut rng);
        let _ = clean_lines(&text);
        let _ = parse(&text, &loc);
        let mut vars = std::collections::HashMap::new();
        let _ = parse_and_expand(&text, &loc, &mut vars);
        let _ = RawValue::new(text);
    }
}

fn assert_fast(what: &str, f: impl FnOnce()) {
    let t = Instant::now();
    f();
    // Generous for debug builds on a shared machine; quadratic behaviour on
    // these sizes would take minutes.
    assert!(
        t.elapsed() < Duration::from_secs(20),
        "{what}: {:?}",
        t.elapsed()
    );
}

#[test]
fn huge_inputs_are_linear() {
    const N: usize = 2_000_000;
    let loc = Loc::new("huge/make.defaults", 0);
    let long_word = format!("A={}\n", "a".repeat(N));
    assert_fast("long unquoted word", || {
        let a = parse(&long_word, &loc).unwrap();
        assert_eq!(a[0].value.raw().len(), N);
    });
    let long_quoted = format!("A=\"{}\"\n", "x $B ${C}\n".repeat(N / 10));
    assert_fast("long quoted value", || {
        let mut vars = std::collections::HashMap::new();
        vars.insert("B".to_owned(), "b".to_owned());
        let out = parse_and_expand(&long_quoted, &loc, &mut vars).unwrap();
        // The bound counts growth beyond the value's own text only: a long
        // value whose references add little is expanded in full.
        assert!(out[0].value.starts_with("x b  x b"));
        assert_eq!(out[0].problem, None);
    });
    let many = "A=\"1\"\n".repeat(N / 6);
    assert_fast("many assignments", || {
        assert_eq!(parse(&many, &loc).unwrap().len(), N / 6);
    });
    let unterminated = format!("A=\"{}", "y".repeat(N));
    assert_fast("unterminated quote", || {
        assert!(parse(&unterminated, &loc).is_err());
    });
    let comments = "#".repeat(N);
    assert_fast("one huge comment", || {
        assert!(parse(&comments, &loc).unwrap().is_empty());
        assert!(clean_lines(&comments).is_empty());
    });
    let equals = "=".repeat(N);
    assert_fast("equals signs", || {
        assert!(parse(&equals, &loc).is_err());
    });
    let tokens = "a ".repeat(N);
    assert_fast("long line of tokens", || {
        assert_eq!(clean_lines(&tokens)[0].tokens.len(), N);
    });
    let newlines = "\r".repeat(N);
    assert_fast("carriage returns", || {
        assert!(clean_lines(&newlines).is_empty());
        assert!(parse(&newlines, &loc).unwrap().is_empty());
    });
    let dollars = format!("A=\"{}\"\n", "$".repeat(N));
    assert_fast("dollars", || {
        assert!(parse(&dollars, &loc).unwrap()[0].value.problem().is_some());
    });
}
