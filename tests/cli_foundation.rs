//! The foundation commands, run as a user runs them: `vercmp`, `atom` and
//! `conformance` over Portage's vectors in `../shared/conformance/`.

use std::path::PathBuf;
use std::process::{Command, Output};

fn portolan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_portolan"))
        .env(
            "XDG_CACHE_HOME",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-cache"),
        )
        .args(args)
        .output()
        .expect("run portolan")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn conformance_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/conformance"
    ))
}

#[test]
fn every_conformance_vector_passes() {
    for group in ["versions", "atoms", "match", "depspec", "required_use"] {
        let file = conformance_dir().join(format!("{group}.json"));
        let cases: Vec<serde_json::Value> =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let out = portolan(&["conformance", file.to_str().unwrap()]);
        let text = stdout(&out);
        assert!(out.status.success(), "{group}: {text}");
        assert_eq!(
            text.trim_end(),
            format!("{} passed, 0 failed", cases.len()),
            "{group}"
        );
    }
}

#[test]
fn conformance_reports_failures_and_rejects_unknown_groups() {
    let dir = std::env::temp_dir().join(format!("portolan-conf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("versions.json");
    std::fs::write(
        &bad,
        r#"[{"a":"1.0","b":"1.00","expected":0},{"a":"1_rc1","b":"1","expected":1}]"#,
    )
    .unwrap();
    let out = portolan(&["conformance", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("case 1: vercmp 1_rc1 1: got -1, Portage says 1"),
        "{text}"
    );
    assert!(text.ends_with("1 passed, 1 failed\n"), "{text}");

    let unknown = dir.join("colours.json");
    std::fs::write(&unknown, "[]").unwrap();
    let out = portolan(&["conformance", unknown.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown conformance group 'colours'"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn vercmp_prints_the_sign() {
    for (a, b, want) in [
        ("1.0", "1.00", "0"),
        ("1_p1", "1", "1"),
        ("1.01", "1.1", "-1"),
    ] {
        let out = portolan(&["vercmp", a, b]);
        assert!(out.status.success());
        assert_eq!(stdout(&out), format!("{want}\n"), "{a} vs {b}");
    }
    let out = portolan(&["vercmp", "1..2", "1"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn atom_json_uses_the_vector_field_names() {
    let out = portolan(&[
        "atom",
        "--eapi",
        "8",
        "!!>=dev-libs/openssl-3.0-r1:0/3=::gentoo[ssl(+)?,-bindist]",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["blocker"], "!!");
    assert_eq!(v["operator"], ">=");
    assert_eq!(v["cp"], "dev-libs/openssl");
    assert_eq!(v["version"], "3.0-r1");
    assert_eq!(v["slot"], "0");
    assert_eq!(v["subslot"], "3");
    assert_eq!(v["slot_operator"], "=");
    assert_eq!(v["repo"], "gentoo");
    assert_eq!(v["use"], serde_json::json!(["ssl(+)?", "-bindist"]));

    let out = portolan(&["atom", "--eapi", "0", "dev-libs/openssl:0", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("dev-libs/openssl:0"), "{err}");
}
