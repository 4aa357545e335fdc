//! Dependency strings (atoms as leaves), LICENSE strings and the other
//! depspec kinds; reduction under a few USE sets; Display re-parses to the
//! same rendering; `evaluate` agrees with `reduce(..).is_satisfied`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portolan_engine::atom::{Atom, AtomOptions};
use portolan_engine::depspec::{DepOptions, DepSpec};
use portolan_engine::eapi::Eapi;
use portolan_engine::intern::Sym;

/// A few USE configurations: nothing, everything, and two halves.
fn use_sets() -> [fn(Sym) -> bool; 4] {
    [
        |_| false,
        |_| true,
        |f| f.as_str().len() % 2 == 0,
        |f| f.as_str().bytes().next().is_some_and(|b| b < b'm'),
    ]
}

fn exercise<L: std::fmt::Display + std::fmt::Debug, E: std::fmt::Display>(
    s: &str,
    opts: DepOptions,
    leaf: impl Fn(&str) -> Result<L, E> + Copy,
) {
    let spec = match DepSpec::parse(s, opts, leaf) {
        Ok(spec) => spec,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let _ = (spec.is_empty(), spec.node_count(), spec.leaves().len());
    let _ = spec.flags().count();
    let shown = spec.to_string();
    let again = DepSpec::parse(&shown, opts, leaf)
        .unwrap_or_else(|e| panic!("Display '{shown}' of '{s}' does not re-parse: {e}"));
    assert_eq!(again.to_string(), shown);
    assert_eq!(again.node_count(), spec.node_count());
    for use_enabled in use_sets() {
        let r = spec.reduce(use_enabled);
        let _ = r.to_string();
        let _ = r.leaves().len();
        for pick in [0usize, 1, 2] {
            let mut decide = |l: &L| (l.to_string().len() + pick) % 3 != 0;
            let by_reduce = r.is_satisfied(&mut decide);
            let by_eval = spec.evaluate(use_enabled, &mut decide);
            assert_eq!(by_reduce, by_eval, "'{s}': evaluate and reduce disagree");
        }
    }
    let _ = spec.reduce_when(|_, _| true).to_string();
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(s) = std::str::from_utf8(rest) else {
        return;
    };
    let eapi = Eapi::from_number(selector % 10).unwrap();
    let eu = eapi.empty_any_of_unsatisfied();
    match (selector / 10) % 4 {
        0 | 1 => exercise(s, DepOptions::dependencies(eu), |t| {
            Atom::parse(t, AtomOptions::dependency(eapi))
        }),
        2 => exercise(s, DepOptions::license(eu), |t| {
            Ok::<_, String>(Sym::new(t).as_str().to_owned())
        }),
        _ => {
            let opts = if selector & 0x80 != 0 {
                DepOptions::src_uri(selector & 0x40 != 0)
            } else {
                DepOptions::restrict()
            };
            exercise(s, opts, |t| Ok::<_, String>(t.to_owned()))
        }
    }
});
