//! A live differential run: Portage itself (installed into `.venv` by
//! `scripts/setup-oracles.sh`, which `.ci/run` calls) answers `show` and
//! `query` for a few profiles now, and portolan must agree. This guards the
//! committed golden files against going stale, and the comparison against
//! depending on them alone.
//!
//! Without the venv the test says so and passes, except under CI (`CI` set),
//! where a missing oracle is a failure.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

const PROFILES: &[&str] = &[
    "genpack-overlay:genpack/amd64/paravirt",
    "genpack-overlay:genpack/riscv/paravirt",
    "coreos-overlay:coreos/amd64/generic/prod",
    "gentoo:default/linux/amd64/23.0/systemd",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn lines(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn oracle_python() -> Option<PathBuf> {
    let py = root().join(".venv/bin/python");
    if py.exists() {
        return Some(py);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must provide the Portage oracle: run scripts/setup-oracles.sh"
    );
    eprintln!("live_portage: no .venv (run scripts/setup-oracles.sh); not comparing live");
    None
}

fn run(cmd: &mut Command) -> Vec<Value> {
    let out = cmd.output().expect("spawn");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    lines(&out.stdout)
}

#[test]
fn portage_live_agrees_on_four_profiles() {
    let Some(py) = oracle_python() else { return };
    let corpus = root().join("../shared/corpus/real");
    let sample = root().join("oracle/sample-cpvs.txt");
    let stub = std::env::temp_dir().join(format!("portolan-live-stub-{}", std::process::id()));
    let mut oracle = Command::new(&py);
    oracle
        .arg(root().join("oracle/portage_oracle.py"))
        .arg("query")
        .arg("--corpus")
        .arg(&corpus)
        .arg("--stub-dir")
        .arg(&stub)
        .args(PROFILES)
        .arg("--cpvs-from")
        .arg(&sample);
    let portage = run(&mut oracle);
    let mut ours = Command::new(env!("CARGO_BIN_EXE_portolan"));
    ours.env(
        "XDG_CACHE_HOME",
        concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-cache"),
    )
    .arg("--repos-conf")
    .arg(corpus.join("repos.conf"))
    .arg("query")
    .args(PROFILES.iter().flat_map(|p| ["--profile", p]))
    .arg("--cpvs-from")
    .arg(&sample)
    .arg("--json");
    let portolan = run(&mut ours);
    let _ = std::fs::remove_dir_all(&stub);
    assert_eq!(portage.len(), PROFILES.len() * 613);
    let key = |v: &Value| format!("{} {} {}", v["profile"], v["cpv"], v["repo"]);
    let ours: HashMap<String, &Value> = portolan.iter().map(|v| (key(v), v)).collect();
    let mut diffs = 0;
    for p in &portage {
        if ours.get(&key(p)) != Some(&p) {
            diffs += 1;
            if diffs <= 20 {
                eprintln!("Portage  {p}\nportolan {:?}", ours.get(&key(p)));
            }
        }
    }
    assert_eq!(
        diffs,
        0,
        "{diffs} of {} lines differ from live Portage",
        portage.len()
    );
}
