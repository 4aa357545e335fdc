//! md5-cache entries: `CacheEntry::from_bytes` and every typed accessor.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use portolan_engine::md5cache::CacheEntry;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("metadata/md5-cache/cat/pkg-1.0");
    let entry = match CacheEntry::from_bytes(path, data.to_vec()) {
        Ok(e) => e,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let keys: Vec<String> = entry.keys().map(str::to_owned).collect();
    for k in &keys {
        assert!(entry.get(k).is_some(), "listed key {k:?} has no value");
        let loc = entry.loc_of(k).expect("a listed key has a location");
        assert!(loc.line >= 1);
    }
    let _ = entry.get("");
    let _ = entry.path();
    let _ = entry.eapi();
    let _ = entry.slot();
    let _ = entry.keywords().count();
    let _ = entry.iuse().map(|f| (f.name.len(), f.default)).count();
    let _ = (
        entry.required_use(),
        entry.depend(),
        entry.rdepend(),
        entry.pdepend(),
        entry.bdepend(),
        entry.idepend(),
        entry.license(),
        entry.properties(),
        entry.restrict(),
        entry.md5(),
    );
    let _ = entry.inherit().count();
    let _ = entry.eclasses().map(|v| v.len());
});
