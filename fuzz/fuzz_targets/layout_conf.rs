//! metadata/layout.conf text.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use portolan_engine::repo;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match repo::parse_layout_conf(text, Path::new("repo/metadata/layout.conf")) {
        Ok(conf) => {
            for key in [
                "masters",
                "repo-name",
                "profile-formats",
                "eapis-banned",
                "profile_eapi_when_unspecified",
            ] {
                let _ = conf.get(key);
            }
            if let Some((loc, v)) = conf.get("profile-formats") {
                let mut warnings = Vec::new();
                let _ = repo::parse_profile_formats(v, &loc, &mut warnings);
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
