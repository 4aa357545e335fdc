//! make.defaults: `parse`, `expand` against a map, and `parse_and_expand`
//! threading one map through the file twice (as stacking does).
#![no_main]

use std::collections::{BTreeMap, HashMap};

use libfuzzer_sys::fuzz_target;
use portolan_engine::profile::make_defaults::{self, RawValue};
use portolan_engine::source::Loc;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = Loc::new("profiles/x/make.defaults", 0);
    // Every value also goes through the expander alone.
    let raw = RawValue::new(text);
    let _ = (
        raw.raw(),
        raw.pieces().len(),
        raw.problem(),
        raw.references().count(),
    );
    let mut vars = BTreeMap::new();
    vars.insert("USE".to_owned(), "a b".to_owned());
    vars.insert("A".to_owned(), "$B".to_owned());
    let _ = make_defaults::expand(&raw, &vars);
    match make_defaults::parse(text, &file) {
        Ok(assignments) => {
            for a in &assignments {
                let v = make_defaults::expand(&a.value, &vars);
                vars.insert(a.name.clone(), v);
                let _ = (a.line, a.value.problem(), a.value.references().count());
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    let mut map: HashMap<String, String> = HashMap::new();
    for _ in 0..2 {
        map.remove("USE");
        if make_defaults::parse_and_expand(text, &file, &mut map).is_err() {
            break;
        }
    }
});
