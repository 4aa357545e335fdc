//! `portolan check` as a user runs it: on the demo tree (`corpus/demo`,
//! whose two designed failing cells are described in its README) and on
//! two cells of the real corpus whose verdicts `emerge --pretend` confirmed
//! (`oracle/golden/emerge-check.jsonl`).

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

const AMD64: &str = "demo:default/linux/amd64/1.0";
const RISCV: &str = "demo:default/linux/riscv/1.0";
const SERVER: &str = "demo-overlay:demo-os/amd64/server";
const KIOSK: &str = "demo-overlay:demo-os/amd64/kiosk";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// `portolan --repos-conf CONF check ARGS...`
fn check_with(conf: &str, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_portolan"))
        .env(
            "XDG_CACHE_HOME",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-cache"),
        )
        .arg("--repos-conf")
        .arg(root().join(conf))
        .arg("check")
        .args(args)
        .output()
        .expect("run portolan");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn check(args: &[&str]) -> Run {
    check_with("corpus/demo/repos.conf", args)
}

/// The JSON cells of a `--format json` run.
fn cells(run: &Run) -> Vec<Value> {
    run.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// The only cell of a one-profile, one-target `--format json` run.
fn cell(conf: &str, args: &[&str]) -> (Option<i32>, Value) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let run = check_with(conf, &all);
    let mut cs = cells(&run);
    assert_eq!(cs.len(), 1, "{args:?}: {}{}", run.stdout, run.stderr);
    (run.code, cs.remove(0))
}

fn demo_cell(args: &[&str]) -> (Option<i32>, Value) {
    cell("corpus/demo/repos.conf", args)
}

fn problems(c: &Value) -> &Vec<Value> {
    c["problems"].as_array().unwrap()
}

fn solution_has(c: &Value, key: &str, pf: &str) -> bool {
    c["solution"][key] == pf
}

fn strs(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}

#[test]
fn exit_status_is_0_all_installable_1_some_not_2_usage_errors() {
    assert_eq!(check(&["--profile", AMD64]).code, Some(0));
    assert_eq!(check(&["--profile", RISCV]).code, Some(1));
    // One failing cell among passing ones is enough for 1.
    assert_eq!(
        check(&["--profile", AMD64, "--profile", RISCV]).code,
        Some(1)
    );
    for bad in [
        vec!["--profile", AMD64, "--target", "@world"],
        vec!["--profile", AMD64, "--target", ">=no-slash"],
        vec!["--profile", "demo:no/such/profile"],
        vec![],
    ] {
        let run = check(&bad);
        assert_eq!(run.code, Some(2), "{bad:?}: {}", run.stdout);
        assert!(
            run.stderr.starts_with("portolan: "),
            "{bad:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn text_report_has_a_line_per_cell_then_why_the_failing_ones_fail() {
    let run = check(&["--profile", AMD64, "--profile", RISCV]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[0].starts_with(AMD64) && lines[0].ends_with("installable (22 packages)"));
    assert!(lines[1].starts_with(RISCV) && lines[1].contains("NOT installable"));
    assert!(run.stdout.contains(&format!("== {RISCV} @system")));
    assert!(run
        .stdout
        .contains("[masked] every version matching app-arch/zstd:= is masked"));
}

#[test]
fn riscv_system_fails_on_zstd_masked_by_the_arch_package_mask() {
    let (code, c) = demo_cell(&["--profile", RISCV]);
    assert_eq!(code, Some(1));
    assert_eq!(c["installable"], false);
    assert_eq!(c["solution"], serde_json::json!({}));
    let p = &problems(&c)[0];
    assert_eq!(p["kind"], "masked");
    assert_eq!(p["atom"], "app-arch/zstd:=");
    assert_eq!(
        strs(&p["required_by"]),
        ["sys-apps/kmod-34 (DEPEND)", "@system"]
    );
    let source = p["source"].as_str().unwrap();
    assert!(
        source.ends_with("corpus/demo/demo/profiles/arch/riscv/package.mask:4"),
        "{source}"
    );
}

#[test]
fn kiosk_system_fails_on_mesa_x_masked_by_the_kiosk_use_mask() {
    let (code, c) = demo_cell(&["--profile", KIOSK]);
    assert_eq!(code, Some(1));
    let ps = problems(&c);
    assert_eq!(ps.len(), 1, "{ps:?}");
    let p = &ps[0];
    assert_eq!(p["kind"], "use");
    assert_eq!(p["atom"], "=media-libs/mesa-25.0*[X,wayland]");
    assert_eq!(
        strs(&p["required_by"]),
        ["demo-os/kiosk-session-2.0 (RDEPEND)", "@system"]
    );
    let source = p["source"].as_str().unwrap();
    assert!(
        source.ends_with("corpus/demo/demo-overlay/profiles/demo-os/kiosk/use.mask:4"),
        "{source}"
    );
    assert!(p["detail"]
        .as_str()
        .unwrap()
        .contains("needs USE flag X enabled, but it is masked"));
}

#[test]
fn amd64_system_installs_with_the_expected_versions() {
    let (code, c) = demo_cell(&["--profile", AMD64]);
    assert_eq!(code, Some(0));
    assert_eq!(c["installable"], true);
    assert_eq!(c["set"], "@system");
    assert!(problems(&c).is_empty());
    // The same 22 versions `emerge --pretend @system` merges (corpus/demo/README.md).
    assert_eq!(c["solution"].as_object().unwrap().len(), 22);
    for (key, pf) in [
        ("sys-apps/kmod:0", "kmod-34"),
        ("app-arch/zstd:0", "zstd-1.5.7"),
        ("app-shells/bash:0", "bash-5.2_p37"),
        ("sys-apps/coreutils:0", "coreutils-9.6"),
        ("virtual/editor:0", "editor-0-r7"),
        ("app-editors/nano:0", "nano-8.4"),
        ("sys-apps/openrc:0", "openrc-0.56"),
        ("sys-libs/glibc:2.2", "glibc-2.40-r8"),
    ] {
        assert!(solution_has(&c, key, pf), "{key}: {}", c["solution"]);
    }
    assert!(c["use_changes"].as_array().unwrap().is_empty());
}

#[test]
fn a_target_atom_is_its_own_cell() {
    let (code, c) = demo_cell(&["--profile", AMD64, "--target", "app-editors/emacs"]);
    assert_eq!(code, Some(1));
    assert_eq!(c["set"], "app-editors/emacs");
    assert_eq!(strs(&c["targets"]), ["app-editors/emacs"]);
    let p = &problems(&c)[0];
    assert_eq!(p["kind"], "missing");
    assert_eq!(p["atom"], ">=media-libs/giflib-5.1:0=");
    assert_eq!(
        strs(&p["required_by"]),
        ["app-editors/emacs-30.1 (DEPEND)", "app-editors/emacs"]
    );

    // Two targets: two cells, in the order given.
    let run = check(&[
        "--profile",
        AMD64,
        "--target",
        "@system",
        "--target",
        ">=app-arch/zstd-1.5",
        "--format",
        "json",
    ]);
    let cs = cells(&run);
    assert_eq!(cs.len(), 2);
    assert_eq!(cs[1]["set"], ">=app-arch/zstd-1.5");
    assert!(solution_has(&cs[1], "app-arch/zstd:0", "zstd-1.5.7"));
    assert_eq!(run.code, Some(0));
}

#[test]
fn profile_set_installs_through_package_provided() {
    let (code, c) = demo_cell(&["--profile", SERVER, "--target", "@profile"]);
    assert_eq!(code, Some(0));
    assert_eq!(strs(&c["targets"]), ["demo-os/base-tools"]);
    // sys-kernel/linux-firmware is only in package.provided: not installed.
    assert!(solution_has(&c, "demo-os/base-tools:0", "base-tools-1.2"));
    assert!(solution_has(&c, "dev-libs/openssl:0", "openssl-3.5.0"));
    assert!(c["solution"].get("sys-kernel/linux-firmware:0").is_none());
    assert_eq!(c["solution"].as_object().unwrap().len(), 10);

    // A profile without profile-set packages: an empty set installs.
    let (code, c) = demo_cell(&["--profile", AMD64, "--target", "@profile"]);
    assert_eq!(code, Some(0));
    assert!(strs(&c["targets"]).is_empty());
    assert_eq!(c["solution"], serde_json::json!({}));
}

#[test]
fn deps_runtime_leaves_out_build_only_dependencies() {
    let (_, all) = demo_cell(&["--profile", AMD64]);
    let (code, runtime) = demo_cell(&["--profile", AMD64, "--deps", "runtime"]);
    assert_eq!(code, Some(0));
    // perl is only a BDEPEND (coreutils, openssl); linux-headers only a DEPEND (glibc).
    for key in ["dev-lang/perl:0", "sys-kernel/linux-headers:0"] {
        assert!(all["solution"].get(key).is_some(), "{key}");
        assert!(runtime["solution"].get(key).is_none(), "{key}");
    }
    assert!(solution_has(&runtime, "sys-apps/kmod:0", "kmod-34"));
    // riscv's kmod needs the masked zstd at run time too.
    let (code, _) = demo_cell(&["--profile", RISCV, "--deps", "runtime"]);
    assert_eq!(code, Some(1));
}

#[test]
fn allow_use_changes_lists_the_package_use_line_needed() {
    // USE="-*" on the server profile breaks setuptools' REQUIRED_USE.
    let args = ["--profile", SERVER, "--target", "dev-python/setuptools"];
    let (code, c) = demo_cell(&args);
    assert_eq!(code, Some(1));
    assert_eq!(problems(&c)[0]["kind"], "required_use");

    let mut with = args.to_vec();
    with.push("--allow-use-changes");
    let (code, c) = demo_cell(&with);
    assert_eq!(code, Some(0));
    assert!(solution_has(
        &c,
        "dev-python/setuptools:0",
        "setuptools-78.1.0"
    ));
    assert_eq!(
        strs(&c["use_changes"]),
        ["=dev-python/setuptools-78.1.0::demo python_targets_python3_12"]
    );
}

#[test]
fn output_file_gets_the_report_and_stdout_stays_empty() {
    let dir = std::env::temp_dir().join(format!("portolan-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("report.jsonl");
    let args = ["--profile", AMD64, "--profile", KIOSK, "--format", "json"];
    let mut with_o = args.to_vec();
    with_o.extend(["-o", file.to_str().unwrap()]);
    let run = check(&with_o);
    assert_eq!(run.code, Some(1), "the exit status does not depend on -o");
    assert_eq!(run.stdout, "");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), check(&args).stdout);
    std::fs::remove_dir_all(&dir).unwrap();
}

const REAL: &str = "../shared/corpus/real/repos.conf";

#[test]
fn real_coreos_generic_system_installs() {
    // emerge stops on a build-order cycle here, after resolving all 311
    // versions; portolan picks the same 311 (oracle/README.md).
    let (code, c) = cell(REAL, &["--profile", "coreos-overlay:coreos/amd64/generic"]);
    assert_eq!(code, Some(0));
    assert_eq!(c["installable"], true);
    assert_eq!(c["solution"].as_object().unwrap().len(), 311);
}

#[test]
fn real_genpack_paravirt_system_misses_mailbase() {
    let (code, c) = cell(
        REAL,
        &["--profile", "genpack-overlay:genpack/amd64/paravirt"],
    );
    assert_eq!(code, Some(1));
    assert_eq!(c["installable"], false);
    let mailbase = problems(&c)
        .iter()
        .find(|p| p["atom"] == "net-mail/mailbase")
        .expect("a problem for net-mail/mailbase");
    assert_eq!(mailbase["kind"], "missing");
    assert_eq!(strs(&mailbase["required_by"]), ["@system"]);
}
