//! Every parser on hostile input: deep nesting, megabyte lines, thousands of
//! repeated separators. Each case must finish (with a value or an error)
//! without a panic, and in time linear in its size: the inputs are a few
//! MiB, so a quadratic path shows as a test that runs for minutes. The fuzz
//! targets in `fuzz/` explore small inputs; these pin down the large ones.

use std::collections::HashMap;
use std::path::Path;

use portolan_engine::atom::{Atom, AtomOptions};
use portolan_engine::depspec::{self, DepOptions, DepSpec, FlagLeaf, MAX_DEPTH};
use portolan_engine::eapi::Eapi;
use portolan_engine::md5cache::CacheEntry;
use portolan_engine::profile::{files, make_defaults};
use portolan_engine::repo;
use portolan_engine::source::Loc;
use portolan_engine::version::{self, Version};

const BIG: usize = 2 << 20;

fn atom(s: &str) -> Result<Atom, portolan_engine::atom::AtomError> {
    Atom::parse(s, AtomOptions::unrestricted())
}

#[test]
fn depspec_nesting_is_bounded() {
    let deps = DepOptions::dependencies(true);
    let ok = format!(
        "{}c/d{}",
        "a? ( || ( ".repeat(MAX_DEPTH / 2),
        " ) )".repeat(MAX_DEPTH / 2)
    );
    let spec = DepSpec::parse(&ok, deps, atom).unwrap();
    assert!(spec.evaluate(|_| true, |_| true));
    assert_eq!(spec.reduce(|_| true).leaves().len(), 1);
    let again = DepSpec::parse(&spec.to_string(), deps, atom).unwrap();
    assert_eq!(again.to_string(), spec.to_string());

    let deep = format!(
        "{}c/d{}",
        "( ".repeat(MAX_DEPTH + 1),
        " )".repeat(MAX_DEPTH + 1)
    );
    assert!(DepSpec::parse(&deep, deps, atom).is_err());
    let opens = "( ".repeat(BIG / 2);
    assert!(DepSpec::parse(&opens, deps, atom).is_err());
    let closes = ") ".repeat(BIG / 2);
    assert!(DepSpec::parse(&closes, deps, atom).is_err());

    let ru = DepOptions::required_use(true, true);
    let nested = format!(
        "{}a{}",
        "^^ ( ".repeat(MAX_DEPTH - 1),
        " )".repeat(MAX_DEPTH - 1)
    );
    let spec = DepSpec::parse(&nested, ru, FlagLeaf::parse).unwrap();
    assert!(depspec::check_required_use(&spec, |_| true));
    let _ = depspec::required_use_unsatisfied(&spec, |_| false);
}

#[test]
fn depspec_long_strings() {
    let deps = DepOptions::dependencies(true);
    let wide = "|| ( a/b c/d ) x? ( e/f ) ".repeat(BIG / 26);
    let spec = DepSpec::parse(&wide, deps, atom).unwrap();
    assert!(spec.evaluate(|_| true, |_| true));
    assert!(spec.reduce(|_| false).to_string().len() > BIG / 4);
    assert!(DepSpec::parse(&"a".repeat(BIG), deps, atom).is_err());
    let flags = "a ".repeat(BIG / 2);
    let ru = DepOptions::required_use(true, true);
    let spec = DepSpec::parse(&flags, ru, FlagLeaf::parse).unwrap();
    assert!(!depspec::check_required_use(&spec, |_| false));
    assert_eq!(
        depspec::required_use_unsatisfied(&spec, |_| false).len(),
        BIG / 2
    );
}

#[test]
fn atoms_and_versions_long() {
    assert!(atom(&format!("=c/p-{}1", "1.".repeat(BIG / 2))).is_ok());
    assert!(atom(&format!("=c/{}-1", "a-1a".repeat(BIG / 4))).is_err());
    assert!(atom(&format!("c/{}b", "a-".repeat(BIG / 2))).is_ok());
    assert!(atom(&format!("c/p[{}a]", "a,".repeat(BIG / 2))).is_ok());
    assert!(atom(&"!".repeat(BIG)).is_err());
    assert!(atom(&format!("c/p{}", "[".repeat(BIG))).is_err());
    assert!(atom(&format!("c/p{}", ":".repeat(BIG))).is_err());
    assert!(atom(&format!("c/p:{}", "a".repeat(BIG))).is_ok());

    let digits = Version::parse(&"9".repeat(BIG)).unwrap();
    let more = Version::parse(&format!("1{}", "0".repeat(BIG))).unwrap();
    assert!(digits < more);
    let suffixes = "1".to_owned() + &"_p1".repeat(BIG / 3);
    let a = Version::parse(&suffixes).unwrap();
    assert_eq!(a, Version::parse(&suffixes).unwrap());
    assert!(version::split_pf(&"a-1a-".repeat(BIG / 5)).is_none());
    assert!(version::split_cpv(&format!("c/{}", "a-".repeat(BIG / 2))).is_err());
    assert!(!version::valid_package_name(&format!(
        "{}1",
        "a-1a-".repeat(BIG / 5)
    )));
}

#[test]
fn line_files_long() {
    let path = Path::new("profiles/x/package.use");
    let line = "a ".repeat(BIG / 2);
    let lines = files::located_lines(path, &line);
    assert_eq!(lines[0].1.tokens.len(), BIG / 2);
    assert_eq!(
        files::parse_atom_tokens(lines, true).unwrap()[0]
            .tokens
            .len(),
        BIG / 2 - 1
    );
    assert_eq!(files::clean_lines(&"\r".repeat(BIG)).len(), 0);
    assert_eq!(files::clean_lines(&"x\n".repeat(BIG / 2)).len(), BIG / 2);
    assert!(files::parse_eapi(path, &" ".repeat(BIG)).is_err());
    let _ = files::parse_deprecated(path, &"\n".repeat(BIG));
}

#[test]
fn make_defaults_long() {
    let f = Loc::new("make.defaults", 0);
    let refs = format!("A=\"{}\"", "$B".repeat(BIG / 2));
    assert_eq!(make_defaults::parse(&refs, &f).unwrap().len(), 1);
    // Doubling: bounded by MAX_EXPANDED_LEN, then empty, then doubling again.
    let doubling = "A=x\n".to_owned() + &"A=\"$A$A\"\n".repeat(400);
    let mut vars = HashMap::new();
    let out = make_defaults::parse_and_expand(&doubling, &f, &mut vars).unwrap();
    assert!(out
        .iter()
        .all(|e| e.value.len() <= make_defaults::MAX_EXPANDED_LEN));
    assert!(out
        .iter()
        .any(|e| e.problem == Some(make_defaults::TOO_LONG)));
    // Growth by appending, expanded as stacking does (last value per name).
    let growth = "A=\"${A} a\"\n".repeat(40_000);
    let mut vars: HashMap<String, String> = HashMap::new();
    for a in make_defaults::parse(&growth, &f).unwrap() {
        let v = make_defaults::expand(&a.value, &vars);
        vars.insert(a.name, v);
    }
    assert!(vars["A"].len() <= make_defaults::MAX_EXPANDED_LEN + 2);
    assert!(make_defaults::parse(&"'".repeat(BIG + 1), &f).is_err());
    assert!(make_defaults::parse(&format!("A=\"{}", "\\".repeat(BIG)), &f).is_err());
    let _ = make_defaults::parse(&format!("A=\"{}\"", "${".repeat(BIG / 2)), &f);
}

#[test]
fn md5cache_and_confs_long() {
    let p = Path::new("c/p-1");
    let long = format!("DEPEND={}\n_md5_=x\n", "a/b ".repeat(BIG / 4));
    assert_eq!(
        CacheEntry::from_bytes(p, long.into_bytes())
            .unwrap()
            .depend()
            .len(),
        BIG
    );
    let keys = "A=\n".repeat(BIG / 3) + "_md5_=x\n";
    assert!(CacheEntry::from_bytes(p, keys.into_bytes()).is_ok());
    let fields = format!(
        "IUSE={}\n_eclasses_={}\n_md5_=x\n",
        "+a ".repeat(BIG / 3),
        "e\tm\t".repeat(BIG / 4)
    );
    let e = CacheEntry::from_bytes(p, fields.into_bytes()).unwrap();
    assert_eq!(e.iuse().count(), BIG / 3);
    assert_eq!(e.eclasses().unwrap().len(), BIG / 4);

    let sections: String = (0..50_000)
        .map(|i| format!("[s{i}]\nlocation = x\n"))
        .collect();
    let conf = repo::parse_repos_conf(&sections, Path::new("/r/repos.conf")).unwrap();
    assert_eq!(conf.entries.len(), 50_000);
    let layout = "masters = a\n".repeat(BIG / 12);
    let l = repo::parse_layout_conf(&layout, Path::new("/r/layout.conf")).unwrap();
    assert!(l.get("masters").is_some());
}

#[test]
fn eapi_numbers_cover_the_fuzzed_range() {
    for n in 0..=9 {
        assert!(Eapi::from_number(n).is_some());
    }
}
