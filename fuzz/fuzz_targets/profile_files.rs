//! Every typed profile-file parser on the same arbitrary text, through the
//! pure entry points the path readers call.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use portolan_engine::profile::files::{self, ProfileFileKind};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("profiles/x/file");
    let lines = files::located_lines(path, text);
    for (loc, l) in &lines {
        assert_eq!(loc.line, l.line);
        assert!(!l.tokens.is_empty());
        assert!(l
            .tokens
            .iter()
            .all(|t| !t.is_empty() && !t.starts_with('#')));
    }
    let _ = files::clean_lines(text).len();
    let _ = files::parse_parent(path, lines.clone()).map(|v| v.len());
    let _ = files::parse_eapi(path, text);
    let _ = files::parse_deprecated(path, text);
    let _ = files::parse_packages(lines.clone());
    let _ = files::parse_list(lines.clone());
    let _ = files::parse_atom_tokens(lines.clone(), true).map(|v| v.len());
    let _ = files::parse_atom_tokens(lines.clone(), false).map(|v| v.len());
    let _ = files::parse_profiles_desc(lines.clone()).map(|v| v.len());
    let _ = files::parse_repo_name(path, text);
    let _ = files::parse_license_groups(lines);
    for line in text.lines().take(4) {
        let _ = ProfileFileKind::from_file_name(line).map(|k| (k.shape(), k.file_name()));
    }
});
