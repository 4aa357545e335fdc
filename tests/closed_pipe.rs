//! A reader that stops early (`portolan show ... | head`) ends portolan as
//! it ends `cat`: by SIGPIPE, quietly.
//!
//! A test binary of its own: the other tests of a binary spawn processes on
//! other threads, and a child forked there holds a copy of this test's pipe
//! until it execs, so portolan's first write could still find a reader
//! (it did once in CI: `profiles` exited 0).

use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};

/// Rust ignores the signal by default, and then `println!` panics and the
/// matrix commands fail with status 2.
#[test]
fn a_closed_pipe_ends_every_command_quietly() {
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/demo/repos.conf");
    for args in [
        &["profiles"][..],
        &["show", "--all-profiles"],
        &["query", "--all-profiles"],
        &["check", "--all-profiles"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_portolan"))
            .env(
                "XDG_CACHE_HOME",
                concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-cache"),
            )
            .args(["--repos-conf", demo])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run portolan");
        // Closed before portolan writes a line: its first write fails.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait for portolan");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.signal(),
            Some(libc::SIGPIPE),
            "{args:?}: {:?}\n{stderr}",
            out.status
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    }
}
