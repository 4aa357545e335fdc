//! make.defaults: every file of the real corpus, concrete values, and a
//! stack expanded the way portage threads its map through the nodes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use portolan_engine::fs::Fs;
use portolan_engine::profile::make_defaults::{
    expand, parse, parse_and_expand, read_files, Assignment,
};
use portolan_engine::source::Loc;

fn real() -> PathBuf {
    let p = std::env::var_os("PORTOLAN_REAL_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/shared/corpus/real"));
    assert!(
        p.join("gentoo").is_dir(),
        "real corpus not found at {} (set PORTOLAN_REAL_CORPUS)",
        p.display()
    );
    p
}

fn find_make_defaults(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for e in entries {
        if e.is_dir() {
            find_make_defaults(&e, out);
        } else if e.file_name().is_some_and(|n| n == "make.defaults") {
            out.push(e);
        }
    }
}

/// The assignments of one profile directory's make.defaults.
fn assignments(repo: &str, profile: &str) -> Vec<Assignment> {
    let dir = real().join(repo).join("profiles").join(profile);
    let files = read_files(&Fs::os(), &dir, true).unwrap().unwrap();
    assert_eq!(files.len(), 1);
    files.into_iter().next().unwrap().assignments
}

/// Expanded values of one file with an empty map (last assignment wins).
fn values(repo: &str, profile: &str) -> HashMap<String, String> {
    let dir = real().join(repo).join("profiles").join(profile);
    let path = dir.join("make.defaults");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut vars = HashMap::new();
    parse_and_expand(&text, &Loc::new(path, 0), &mut vars).unwrap();
    vars
}

fn tokens(s: &str) -> Vec<&str> {
    s.split_whitespace().collect()
}

#[test]
fn every_make_defaults_of_the_corpus_parses() {
    let mut files = Vec::new();
    find_make_defaults(&real(), &mut files);
    assert_eq!(files.len(), 289);
    let mut total = 0;
    for f in &files {
        let dir = f.parent().unwrap();
        let parsed = read_files(&Fs::os(), dir, true)
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap();
        for file in parsed {
            for a in &file.assignments {
                assert!(a.line > 0);
                assert_eq!(a.value.problem(), None, "{}:{}", file.file, a.line);
                total += 1;
            }
        }
    }
    assert!(total > 1000, "{total}");
}

#[test]
fn gentoo_arch_amd64() {
    let v = values("gentoo", "arch/amd64");
    assert_eq!(v["ARCH"], "amd64");
    assert_eq!(v["ACCEPT_KEYWORDS"], "amd64");
    assert_eq!(v["CFLAGS"], "-O2 -pipe");
    assert_eq!(v["CXXFLAGS"], "-O2 -pipe");
    assert_eq!(
        tokens(&v["VIDEO_CARDS"]),
        ["amdgpu", "fbdev", "intel", "nouveau", "radeon", "radeonsi", "vesa"]
    );
    assert_eq!(v["USE_EXPAND_HIDDEN"], "-ABI_X86 -CPU_FLAGS_X86");
    assert_eq!(v["LDFLAGS_x86"], "-m elf_i386");
    let a = assignments("gentoo", "arch/amd64");
    let arch = a.iter().find(|a| a.name == "ARCH").unwrap();
    assert_eq!(arch.value.raw(), "amd64");
    let ak = a.iter().find(|a| a.name == "ACCEPT_KEYWORDS").unwrap();
    assert_eq!(ak.value.raw(), "${ARCH}");
    assert_eq!(ak.value.references().collect::<Vec<_>>(), ["ARCH"]);
}

#[test]
fn gentoo_base() {
    let v = values("gentoo", "base");
    assert_eq!(v["ACCEPT_LICENSE"], "-* @FREE");
    assert_eq!(v["CONFIG_PROTECT"], "/etc");
    assert_eq!(v["USE"], "acl bzip2 gdbm unicode xattr split-usr");
    assert_eq!(tokens(&v["USE_EXPAND"]).len(), 52);
    assert_eq!(tokens(&v["USE_EXPAND"])[0], "ABI_MIPS");
    assert_eq!(v["IUSE_IMPLICIT"], "prefix prefix-guest prefix-stack");
    assert_eq!(v["USE_EXPAND_IMPLICIT"], "ELIBC KERNEL");
    assert_eq!(v["GRUB_PLATFORMS"], "");
    assert_eq!(v["PYTHON_TARGETS"], "python3_14");
    let a = assignments("gentoo", "base");
    let lic = a.iter().find(|a| a.name == "ACCEPT_LICENSE").unwrap();
    assert_eq!(lic.line, 57);
}

#[test]
fn coreos_base_oddities() {
    let v = values("coreos-overlay", "coreos/base");
    // Multi-line value with `-*`.
    assert_eq!(
        tokens(&v["CONFIG_PROTECT"]),
        [
            "-*",
            "/etc/locale.gen",
            "/etc/hosts",
            "/etc/localtime",
            "/etc/make.conf"
        ]
    );
    // `""` followed by a trailing comment.
    assert_eq!(v["BRANDING_OS_PRETTY_NAME"], "");
    // `#` inside quotes stays.
    assert_eq!(
        v["BRANDING_OS_SUPPORT_URL"],
        "https://groups.google.com/forum/#!forum/flatcar-linux-user"
    );
    // Unquoted single words.
    assert_eq!(v["DONT_MOUNT_BOOT"], "1");
    assert_eq!(v["BINPKG_COMPRESS"], "bzip2");
    assert_eq!(v["CGO_ENABLED"], "1");
    assert_eq!(v["BINPKG_FORMAT"], "xpak");
    assert_eq!(v["LINGUAS"], "en");
    // Multi-line, indented: newlines become spaces.
    assert_eq!(
        tokens(&v["FEATURES"]),
        [
            "clean-logs",
            "compressdebug",
            "parallel-install",
            "splitdebug",
            "userfetch",
            "userpriv",
            "usersandbox",
            "ipc-sandbox",
            "network-sandbox",
            "-ccache",
            "-merge-sync",
            "-binpkg-multi-instance"
        ]
    );
    assert!(!v["FEATURES"].contains('\n'));
    assert_eq!(v["PKG_INSTALL_MASK"], " ");
    assert_eq!(v["ACCEPT_RESTRICT"], "* -bindist");
    // With an empty map, USE accumulates the file's own assignments.
    assert_eq!(
        tokens(&v["USE"]),
        [
            "-cracklib",
            "-cups",
            "-tcpd",
            "-berkdb",
            "-cron",
            "-zeroconf",
            "-openmp",
            "fips",
            "bindist",
            "modules-sign"
        ]
    );
}

#[test]
fn coreos_targets_unquoted_and_braceless() {
    assert_eq!(
        values("coreos-overlay", "coreos/targets/generic")["FLATCAR_TYPE"],
        "generic"
    );
    let g = values("coreos-overlay", "coreos/targets/generic");
    assert_eq!(g["ACCT_GROUP_DOCKER_ID"], "233");
    assert_eq!(g["ACCT_USER_TSS_ID"], "236");
    let sdk = values("coreos-overlay", "coreos/targets/sdk");
    assert_eq!(sdk["FLATCAR_TYPE"], "sdk");
    assert_eq!(sdk["LLVM_TARGETS"], "X86 AArch64");
    assert_eq!(sdk["BOOTSTRAP_USE"], " cros_host");
    let a = assignments("coreos-overlay", "coreos/targets/sdk");
    let b = a.iter().find(|a| a.name == "BOOTSTRAP_USE").unwrap();
    assert_eq!(b.value.raw(), "$BOOTSTRAP_USE cros_host");
}

#[test]
fn file_without_final_newline() {
    let v = values("gentoo", "prefix/linux/riscv");
    assert_eq!(v["LIBDIR_lp64"], "lib");
}

/// Expands make.defaults of several nodes in order with one map, removing
/// `USE` before each file (spec §9.2), as the profile stacker will.
fn stack(nodes: &[(&str, &str)]) -> (HashMap<String, String>, Vec<HashMap<String, String>>) {
    let mut vars = HashMap::new();
    let mut per_node = Vec::new();
    for (repo, profile) in nodes {
        let dir = real().join(repo).join("profiles").join(profile);
        let mut mine = HashMap::new();
        if let Some(files) = read_files(&Fs::os(), &dir, true).unwrap() {
            vars.remove("USE");
            for f in files {
                for a in f.assignments {
                    let value = expand(&a.value, &vars);
                    vars.insert(a.name.clone(), value.clone());
                    mine.insert(a.name, value);
                }
            }
        }
        per_node.push(mine);
    }
    (vars, per_node)
}

#[test]
fn stacked_expansion_genpack_amd64_paravirt() {
    let (vars, per_node) = stack(&[
        ("genpack-overlay", "genpack/paravirt"),
        ("gentoo", "base"),
        ("gentoo", "default/linux"),
        ("gentoo", "default/linux/amd64"),
        ("gentoo", "arch/base"),
        ("gentoo", "features/multilib"),
        ("gentoo", "arch/amd64"),
        ("gentoo", "releases"),
        ("gentoo", "releases/23.0"),
        ("gentoo", "default/linux/amd64/23.0"),
        ("gentoo", "targets/systemd"),
        ("gentoo", "default/linux/amd64/23.0/systemd"),
        ("genpack-overlay", "genpack"),
        ("genpack-overlay", "genpack/amd64"),
        ("genpack-overlay", "genpack/amd64/paravirt"),
    ]);
    assert_eq!(vars["ARCH"], "amd64");
    assert_eq!(vars["ACCEPT_KEYWORDS"], "amd64");
    assert_eq!(vars["ACCEPT_LICENSE"], "-* @FREE");
    // Non-incremental self-reference accumulates across files.
    assert_eq!(
        tokens(&vars["UNINSTALL_IGNORE"]),
        [
            "/boot/dtbs/*",
            "/lib/modules/*",
            "/var/run",
            "/var/lock",
            "/bin",
            "/lib",
            "/lib32",
            "/lib64",
            "/libx32",
            "/sbin",
            "/usr/sbin",
            "/usr/lib/modules/*"
        ]
    );
    // USE sees only the same file's earlier USE.
    assert_eq!(
        per_node[2]["USE"],
        "crypt ipv6 ncurses nls pam readline ssl zlib seccomp pcre iconv"
    );
    assert_eq!(per_node[8]["USE"], "openmp");
    assert_eq!(per_node[10]["USE"], "systemd udev");
}

#[test]
fn stacked_expansion_coreos_accept_license() {
    let (vars, _) = stack(&[("gentoo", "base"), ("coreos-overlay", "coreos/base")]);
    assert_eq!(
        tokens(&vars["ACCEPT_LICENSE"]),
        [
            "-*",
            "@FREE",
            "no-source-code",
            "linux-fw-redistributable",
            "freedist",
            "intel-ucode",
            "NVIDIA-2023",
            "NVIDIA-2025"
        ]
    );
    let ue = tokens(&vars["USE_EXPAND"]);
    assert_eq!(ue.len(), 54);
    assert_eq!(&ue[52..], ["TESTS", "GO_VERSION"]);
}

#[test]
fn error_names_file_and_line() {
    let loc = Loc::new("profiles/base/make.defaults", 0);
    let e = parse("A=\"1\"\nB=\"2\"\n\n\nC=\"x\n", &loc).unwrap_err();
    assert_eq!(
        e.to_string(),
        "profiles/base/make.defaults:5: unterminated double quote"
    );
}

/// Conformance vectors: inputs (random fragments of make.defaults syntax)
/// with the result portage's own algorithm gives — Python's `shlex` configured
/// as in `getconfig()`, followed by `varexpand()`, starting from an empty map;
/// `err` means portage raises. (Excluded: inputs assigning to the empty name
/// `""=x`, which portage accepts and we reject.)
#[test]
fn portage_conformance_vectors() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/make_defaults_portage_vectors.json");
    let vectors: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(vectors.len(), 200);
    let loc = Loc::new("vector", 0);
    for v in &vectors {
        let input = v["input"].as_str().unwrap();
        let mut vars = HashMap::new();
        let got = parse_and_expand(input, &loc, &mut vars);
        match v.get("ok") {
            Some(expected) => {
                let got: Vec<(String, String)> = got
                    .unwrap_or_else(|e| panic!("{input:?}: {e}"))
                    .into_iter()
                    .map(|e| (e.name, e.value))
                    .collect();
                let expected: Vec<(String, String)> = expected
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| {
                        (
                            p[0].as_str().unwrap().to_owned(),
                            p[1].as_str().unwrap().to_owned(),
                        )
                    })
                    .collect();
                assert_eq!(got, expected, "{input:?}");
            }
            None => assert!(got.is_err(), "{input:?} should fail: {got:?}"),
        }
    }
}
