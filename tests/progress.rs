//! The matrix commands draw a progress bar only on a terminal: with stderr
//! piped (scripts, CI) they print nothing more than before. `--stats` adds
//! one line on stderr and changes nothing on stdout.

mod common;

use std::path::PathBuf;

use common::portolan;

fn demo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus/demo/repos.conf")
}

fn run(args: &[&str]) -> common::Run {
    let conf = demo();
    let mut all = vec!["--repos-conf", conf.to_str().unwrap()];
    all.extend(args);
    portolan(&all)
}

/// Every stderr line is a warning about a file: no bar, no control codes.
fn only_warnings(stderr: &str) {
    assert!(
        !stderr.contains('\r') && !stderr.contains('\x1b'),
        "{stderr:?}"
    );
    for line in stderr.lines() {
        assert!(
            line.contains(": warning: "),
            "unexpected stderr line {line:?}"
        );
    }
}

#[test]
fn no_progress_output_when_stderr_is_not_a_terminal() {
    let q = run(&["query", "--all-profiles"]);
    assert_eq!(q.code, Some(0), "{}", q.stderr);
    assert!(q.stdout.lines().count() > 100);
    only_warnings(&q.stderr);
    let c = run(&["check", "--all-profiles"]);
    assert!(matches!(c.code, Some(0 | 1)), "{}", c.stderr);
    assert!(c.stdout.contains("@system"));
    only_warnings(&c.stderr);
}

#[test]
fn stats_add_one_stderr_line_and_leave_stdout_alone() {
    let plain = run(&["query", "--all-profiles"]);
    let with = run(&["--stats", "query", "--all-profiles"]);
    assert_eq!(plain.stdout, with.stdout);
    let extra: Vec<&str> = with
        .stderr
        .lines()
        .filter(|l| !plain.stderr.lines().any(|p| p == *l))
        .collect();
    assert_eq!(extra.len(), 1, "{}", with.stderr);
    let line = extra[0];
    assert!(line.starts_with("portolan: stats: wall "), "{line}");
    // The peak RSS is a positive number of KiB.
    let kib: u64 = line
        .split("peak RSS ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("peak RSS figure");
    assert!(kib > 0);
}
