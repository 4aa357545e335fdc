//! repos.conf text (Portage's INI dialect).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use portolan_engine::repo;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match repo::parse_repos_conf(text, Path::new("/etc/portage/repos.conf")) {
        Ok(conf) => {
            for e in &conf.entries {
                let _ = (&e.name, e.loc.line, &e.location, &e.masters);
            }
            let _ = conf.main_repo;
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
