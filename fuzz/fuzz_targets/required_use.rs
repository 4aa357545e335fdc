//! REQUIRED_USE: parse under every EAPI's options, check with arbitrary
//! flags enabled, render the unsatisfied parts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portolan_engine::depspec::{self, DepOptions, DepSpec, FlagLeaf};
use portolan_engine::eapi::Eapi;
use portolan_engine::intern::Sym;

fuzz_target!(|data: &[u8]| {
    // First byte: EAPI; next eight: a bit mask choosing enabled flags.
    if data.len() < 9 {
        return;
    }
    let (head, rest) = data.split_at(9);
    let Ok(s) = std::str::from_utf8(rest) else {
        return;
    };
    let eapi = Eapi::from_number(head[0] % 10).unwrap();
    let mask = u64::from_le_bytes(head[1..9].try_into().unwrap());
    let opts = DepOptions::required_use(eapi.at_most_one_of(), eapi.empty_any_of_unsatisfied());
    let Ok(spec) = DepSpec::parse(s, opts, FlagLeaf::parse) else {
        return;
    };
    let shown = spec.to_string();
    let again = DepSpec::parse(&shown, opts, FlagLeaf::parse)
        .unwrap_or_else(|e| panic!("Display '{shown}' of '{s}' does not re-parse: {e}"));
    assert_eq!(again.to_string(), shown);
    let mut flags: Vec<Sym> = spec.referenced_flags().collect();
    flags.sort();
    flags.dedup();
    let enabled: Vec<Sym> = flags
        .iter()
        .enumerate()
        .filter(|(i, _)| mask >> (i % 64) & 1 == 1)
        .map(|(_, f)| *f)
        .collect();
    for use_enabled in [
        &(|f: Sym| enabled.contains(&f)) as &dyn Fn(Sym) -> bool,
        &|_| true,
        &|_| false,
    ] {
        // No invariant links the two: Portage's rendering replaces a
        // one-member `??`/`||`/`^^` by its member, which keeps its own truth
        // value, so `?? ( a )` with `a` off holds yet renders `a`; and an
        // emptied operator fails without being rendered (see the docs of
        // `required_use_unsatisfied`). Both are reproduced on purpose.
        let _ = depspec::check_required_use(&spec, use_enabled);
        let _ = depspec::required_use_unsatisfied(&spec, use_enabled);
    }
});
