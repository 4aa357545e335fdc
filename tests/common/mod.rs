//! Helpers shared by the fixture tests: run the binary as a user does, and
//! copy the fixture tree somewhere it may be broken on purpose.

#![allow(dead_code)] // each test crate uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::Value;

/// `tests/fixtures/cases`, canonical (portolan prints canonical paths).
pub fn fixture() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cases");
    std::fs::canonicalize(dir).expect("fixture tree")
}

/// What one run of `portolan` printed and returned.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `portolan ARGS...`. Whatever happens, it must not panic. The binary
/// cache goes to the test target's scratch folder, never to `$HOME`.
pub fn portolan<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Run {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_portolan"))
        .env(
            "XDG_CACHE_HOME",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-cache"),
        )
        .args(args)
        .output()
        .expect("run portolan");
    let run = Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

/// Runs `portolan --repos-conf CONF ARGS...` and requires success.
pub fn ok(conf: &Path, args: &[&str]) -> Run {
    let mut all = vec![
        "--repos-conf".to_owned(),
        conf.to_string_lossy().into_owned(),
    ];
    all.extend(args.iter().map(|s| s.to_string()));
    let run = portolan(&all);
    assert_eq!(run.code, Some(0), "portolan {args:?}: {}", run.stderr);
    run
}

/// Runs `portolan --repos-conf CONF ARGS...` and requires exit status 2.
pub fn fails(conf: &Path, args: &[&str]) -> Run {
    let mut all = vec![
        "--repos-conf".to_owned(),
        conf.to_string_lossy().into_owned(),
    ];
    all.extend(args.iter().map(|s| s.to_string()));
    let run = portolan(&all);
    assert_eq!(run.code, Some(2), "portolan {args:?}: {}", run.stdout);
    run
}

/// The JSON lines of a `--json` run.
pub fn json_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// A JSON array of strings as a `Vec<&str>`.
pub fn strs(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|x| x.as_str().unwrap_or_else(|| panic!("not a string: {x}")))
        .collect()
}

/// A private copy of the fixture tree in a temp dir, removed on drop.
pub struct Scratch {
    pub dir: PathBuf,
}

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "portolan-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        copy_dir(&fixture(), &dir);
        let dir = std::fs::canonicalize(&dir).unwrap();
        Scratch { dir }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    pub fn conf(&self) -> PathBuf {
        self.path("repos.conf")
    }

    /// Writes (or replaces) a file of the copy, creating folders.
    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }

    /// `FILE:LINE` of a file of the copy, as portolan names it.
    pub fn at(&self, rel: &str, line: u32) -> String {
        format!("{}:{line}", self.path(rel).display())
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}
