//! Profile and repository `profiles/` files of the real corpus, and the
//! directory form on scratch trees.

use std::path::{Path, PathBuf};

use portolan_engine::fs::Fs;
use portolan_engine::profile::files::{
    read_arch_list, read_atom_tokens, read_categories, read_deprecated, read_eapi,
    read_license_groups, read_list, read_packages, read_parent, read_profile_file,
    read_profiles_desc, read_repo_name, FileError, FileShape, PackagesLine, ProfileFileKind,
};

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

fn profiles(repo: &str) -> PathBuf {
    real().join(repo).join("profiles")
}

fn dirs_under(root: &Path, out: &mut Vec<PathBuf>) {
    out.push(root.to_path_buf());
    let mut entries: Vec<_> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for e in entries {
        if e.is_dir() {
            dirs_under(&e, out);
        }
    }
}

/// Reads every known profile file of every directory under each
/// repository's `profiles/` with its shape's reader: nothing may fail.
#[test]
fn every_profile_file_of_the_corpus_reads() {
    let mut dirs = Vec::new();
    for repo in ["gentoo", "genpack-overlay", "coreos-overlay"] {
        dirs_under(&profiles(repo), &mut dirs);
    }
    let mut files = 0;
    let mut lines = 0;
    for dir in &dirs {
        for kind in ProfileFileKind::ALL {
            let n = match kind.shape() {
                FileShape::Parent => read_parent(&Fs::os(), dir).unwrap().map(|v| v.len()),
                FileShape::Eapi => read_eapi(&Fs::os(), dir).unwrap().map(|_| 1),
                FileShape::Deprecated => read_deprecated(&Fs::os(), dir).unwrap().map(|_| 1),
                FileShape::MakeDefaults => continue,
                FileShape::Packages => read_packages(&Fs::os(), dir).unwrap().map(|v| v.len()),
                FileShape::List => read_list(&Fs::os(), dir, kind, true)
                    .unwrap_or_else(|e| panic!("{e}"))
                    .map(|v| v.len()),
                FileShape::AtomTokens { .. } => read_atom_tokens(&Fs::os(), dir, kind, true)
                    .unwrap_or_else(|e| panic!("{e}"))
                    .map(|v| v.len()),
            };
            if let Some(n) = n {
                files += 1;
                lines += n;
            }
        }
    }
    assert!(dirs.len() > 1109, "{}", dirs.len());
    assert!(files > 1000, "{files}");
    assert!(lines > 10000, "{lines}");
    // Every gentoo profile directory has eapi 5.
    let gentoo = profiles("gentoo");
    let mut with_eapi = 0;
    for d in dirs.iter().filter(|d| d.starts_with(&gentoo)) {
        if let Some(e) = read_eapi(&Fs::os(), d).unwrap() {
            assert_eq!(e.eapi, "5", "{}", d.display());
            with_eapi += 1;
        }
    }
    assert!(with_eapi >= 1109, "{with_eapi}");
}

#[test]
fn inline_comments_and_empty_token_lists() {
    let dir = profiles("genpack-overlay").join("genpack");
    let e = read_atom_tokens(
        &Fs::os(),
        &dir,
        ProfileFileKind::PackageAcceptKeywords,
        false,
    )
    .unwrap()
    .unwrap();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].atom, "dev-cpp/argparse");
    assert!(e[0].tokens.is_empty());
    assert_eq!(
        e[0].loc.to_string(),
        format!("{}:1", dir.join("package.accept_keywords").display())
    );

    let riscv = profiles("genpack-overlay").join("genpack/riscv");
    let e = read_atom_tokens(
        &Fs::os(),
        &riscv,
        ProfileFileKind::PackageAcceptKeywords,
        false,
    )
    .unwrap()
    .unwrap();
    let kexec = e
        .iter()
        .find(|e| e.atom == "<sys-apps/kexec-tools-9999")
        .unwrap();
    assert_eq!(kexec.tokens, ["**"]);
    assert_eq!(kexec.loc.line, 6);
    let e = read_atom_tokens(
        &Fs::os(),
        &riscv.join("paravirt"),
        ProfileFileKind::PackageAcceptKeywords,
        false,
    )
    .unwrap()
    .unwrap();
    let qga = e
        .iter()
        .find(|e| e.atom == "app-emulation/qemu-guest-agent")
        .unwrap();
    // `app-emulation/qemu-guest-agent ** # no riscv KEYWORDS upstream`
    assert_eq!(qga.tokens, ["**"]);

    // genpack/weston: `dev-python/pycairo X # cairo[X] requests …` and the
    // `edia-libs/freetype` typo, kept verbatim.
    let weston = profiles("genpack-overlay").join("genpack/weston");
    let e = read_atom_tokens(&Fs::os(), &weston, ProfileFileKind::PackageUse, false)
        .unwrap()
        .unwrap();
    let pycairo = e.iter().find(|e| e.atom == "dev-python/pycairo").unwrap();
    assert_eq!(pycairo.tokens, ["X"]);
    assert!(e
        .iter()
        .any(|e| e.atom == "edia-libs/freetype" && e.tokens == ["harfbuzz"]));
    let vlc = e.iter().find(|e| e.atom == "media-video/vlc").unwrap();
    assert_eq!(vlc.tokens.len(), 13);
    assert_eq!(vlc.tokens[0], "alsa");
}

#[test]
fn same_atom_on_two_lines_with_tabs() {
    let dir = profiles("coreos-overlay").join("coreos/base");
    let e = read_atom_tokens(&Fs::os(), &dir, ProfileFileKind::PackageUse, false)
        .unwrap()
        .unwrap();
    let git: Vec<_> = e.iter().filter(|e| e.atom == "dev-vcs/git").collect();
    assert_eq!(git.len(), 2);
    assert_eq!(git[0].loc.line, 12);
    assert_eq!(git[0].tokens, ["webdav", "curl"]);
    assert_eq!(git[1].loc.line, 26);
    assert_eq!(git[1].tokens, ["-perl", "-iconv"]);
}

#[test]
fn packages_files() {
    let coreos = profiles("coreos-overlay").join("coreos/base");
    let p = read_packages(&Fs::os(), &coreos).unwrap().unwrap();
    let entries: Vec<(bool, bool, &str)> = p
        .iter()
        .map(|l| match l {
            PackagesLine::Entry(e) => (e.remove, e.system, e.atom.as_str()),
            PackagesLine::Clear(_) => panic!("no -* here"),
        })
        .collect();
    assert_eq!(
        entries,
        [
            (true, true, "sys-apps/busybox"),
            (false, true, "app-arch/lbzip2"),
            (false, true, "sys-libs/nss-usrfiles"),
            (false, true, "app-shells/bash-completion"),
        ]
    );

    let genpack = profiles("genpack-overlay").join("genpack");
    let p = read_packages(&Fs::os(), &genpack).unwrap().unwrap();
    let entries: Vec<(bool, bool, &str)> = p
        .iter()
        .filter_map(|l| match l {
            PackagesLine::Entry(e) => Some((e.remove, e.system, e.atom.as_str())),
            PackagesLine::Clear(_) => None,
        })
        .collect();
    assert_eq!(
        entries,
        [
            (false, true, "genpack/genpack-progs"),
            (false, false, "genpack/base")
        ]
    );

    let base = read_packages(&Fs::os(), &profiles("gentoo").join("base"))
        .unwrap()
        .unwrap();
    let system = base
        .iter()
        .filter(|l| matches!(l, PackagesLine::Entry(e) if e.system && !e.remove))
        .count();
    assert_eq!(system, 45);
    assert!(base
        .iter()
        .any(|l| matches!(l, PackagesLine::Entry(e) if e.system && e.atom == "app-shells/bash:0")));

    // gentoo arch/riscv: `-*sys-apps/busybox`.
    let riscv = read_packages(&Fs::os(), &profiles("gentoo").join("arch/riscv"))
        .unwrap()
        .unwrap();
    assert!(riscv.iter().any(
        |l| matches!(l, PackagesLine::Entry(e) if e.remove && e.system && e.atom == "sys-apps/busybox")
    ));
}

#[test]
fn parent_eapi_deprecated() {
    let g = profiles("genpack-overlay");
    let p = read_parent(&Fs::os(), &g.join("genpack/amd64"))
        .unwrap()
        .unwrap();
    let paths: Vec<&str> = p.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["gentoo:default/linux/amd64/23.0/systemd", ".."]);
    assert_eq!(p[1].loc.line, 2);
    // No trailing newline.
    let p = read_parent(&Fs::os(), &g.join("genpack/systemimg"))
        .unwrap()
        .unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].path, "..");
    assert!(read_parent(&Fs::os(), &g.join("genpack"))
        .unwrap()
        .is_none());

    assert_eq!(
        read_eapi(&Fs::os(), &g.join("genpack/amd64"))
            .unwrap()
            .unwrap()
            .eapi,
        "8"
    );
    assert!(read_eapi(&Fs::os(), &g.join("genpack")).unwrap().is_none());
    assert_eq!(
        read_eapi(&Fs::os(), &profiles("gentoo").join("base"))
            .unwrap()
            .unwrap()
            .eapi,
        "5"
    );

    let d = read_deprecated(
        &Fs::os(),
        &profiles("gentoo").join("default/linux/loong/22.0/la64v100/lp64d/desktop"),
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        d.replacement.as_deref(),
        Some("default/linux/loong/23.0/la64v100/split-usr/lp64d/desktop")
    );
    assert!(d
        .message
        .starts_with("A profile upgrade to version 23.0 is available for your architecture."));
    assert!(d
        .message
        .ends_with("Changing_the_CHOST_variable#Verifying_things_work"));
    assert!(read_deprecated(&Fs::os(), &profiles("gentoo").join("base"))
        .unwrap()
        .is_none());
}

#[test]
fn list_files() {
    let multilib = read_list(
        &Fs::os(),
        &profiles("gentoo").join("features/multilib"),
        ProfileFileKind::UseMask,
        false,
    )
    .unwrap()
    .unwrap();
    assert_eq!(multilib.len(), 1);
    assert!(multilib[0].remove);
    assert_eq!(multilib[0].value, "multilib");
    assert_eq!(multilib[0].loc.line, 8);

    // An empty file exists but has no entries.
    let empty = read_list(
        &Fs::os(),
        &profiles("coreos-overlay").join("coreos/amd64/generic"),
        ProfileFileKind::UseMask,
        false,
    )
    .unwrap();
    assert_eq!(empty, Some(vec![]));

    let provided = read_list(
        &Fs::os(),
        &profiles("coreos-overlay").join("coreos/base"),
        ProfileFileKind::PackageProvided,
        false,
    )
    .unwrap()
    .unwrap();
    let values: Vec<&str> = provided.iter().map(|e| e.value.as_str()).collect();
    assert_eq!(values.len(), 10);
    assert_eq!(values[0], "virtual/mta-1");
    assert!(values.contains(&"dev-python/pillow-9999"));
    // Only a comment.
    let arm64 = read_list(
        &Fs::os(),
        &profiles("coreos-overlay").join("coreos/arm64"),
        ProfileFileKind::PackageProvided,
        false,
    )
    .unwrap();
    assert_eq!(arm64, Some(vec![]));

    let mask = read_list(
        &Fs::os(),
        &profiles("genpack-overlay").join("genpack"),
        ProfileFileKind::PackageMask,
        false,
    )
    .unwrap()
    .unwrap();
    assert!(mask
        .iter()
        .any(|e| !e.remove && e.value == ">=dev-lang/python-3.15"));
}

#[test]
fn repository_files() {
    let gentoo = profiles("gentoo");
    let desc = read_profiles_desc(&Fs::os(), &gentoo).unwrap().unwrap();
    assert_eq!(desc.len(), 487);
    assert_eq!(
        (
            desc[0].arch.as_str(),
            desc[0].path.as_str(),
            desc[0].status.as_str()
        ),
        ("alpha", "default/linux/alpha/23.0", "stable")
    );
    assert_eq!(desc[0].loc.line, 14);
    let genpack = read_profiles_desc(&Fs::os(), &profiles("genpack-overlay"))
        .unwrap()
        .unwrap();
    assert_eq!(genpack.len(), 14);
    assert_eq!(genpack[1].path, "genpack/amd64/paravirt");
    let coreos = read_profiles_desc(&Fs::os(), &profiles("coreos-overlay"))
        .unwrap()
        .unwrap();
    assert_eq!(coreos.len(), 8);
    assert!(coreos.iter().all(|e| e.status == "dev"));
    assert_eq!(coreos[2].path, "coreos/amd64/generic/prod");

    let arches = read_arch_list(&Fs::os(), &gentoo).unwrap().unwrap();
    assert_eq!(arches.len(), 17);
    assert_eq!(arches[1].value, "amd64");
    assert!(read_arch_list(&Fs::os(), &profiles("coreos-overlay"))
        .unwrap()
        .is_none());

    assert_eq!(
        read_categories(&Fs::os(), &gentoo).unwrap().unwrap().len(),
        174
    );
    let cats: Vec<String> = read_categories(&Fs::os(), &profiles("coreos-overlay"))
        .unwrap()
        .unwrap()
        .into_iter()
        .map(|e| e.value)
        .collect();
    assert_eq!(cats, ["coreos-base", "coreos-devel"]);

    for (repo, name) in [
        ("gentoo", "gentoo"),
        ("genpack-overlay", "genpack-overlay"),
        ("coreos-overlay", "coreos-overlay"),
    ] {
        let (loc, n) = read_repo_name(&Fs::os(), &profiles(repo)).unwrap().unwrap();
        assert_eq!(n, name);
        assert_eq!(loc.line, 1);
    }

    let groups = read_license_groups(&Fs::os(), &gentoo).unwrap().unwrap();
    assert_eq!(groups.len(), 13);
    let free = groups.iter().find(|g| g.name == "FREE").unwrap();
    assert_eq!(free.members, ["@FREE-SOFTWARE", "@FREE-DOCUMENTS"]);
    assert_eq!(free.loc.line, 60);
    let fs = groups.iter().find(|g| g.name == "FREE-SOFTWARE").unwrap();
    assert_eq!(
        fs.members,
        ["@FSF-APPROVED", "@OSI-APPROVED-FREE", "@MISC-FREE"]
    );
    let eula = groups.iter().find(|g| g.name == "EULA").unwrap();
    assert_eq!(eula.members[0], "2dboy-EULA");
}

// ---------------------------------------------------------------------------
// Directory form and errors on scratch trees.

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let p =
            std::env::temp_dir().join(format!("portolan-h3-files-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Scratch(p)
    }
    fn write(&self, rel: &str, content: &[u8]) {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn directory_form_order_and_skips() {
    let s = Scratch::new("dirform");
    s.write("package.use/b", b"cat/b flag-b\n");
    s.write("package.use/a", b"# head\ncat/a flag-a # c\n");
    s.write("package.use/Z", b"cat/z flag-z");
    s.write("package.use/a~", b"cat/backup x\n");
    s.write("package.use/.hidden", b"cat/hidden x\n");
    s.write("package.use/CVS/Entries", b"cat/cvs x\n");
    s.write("package.use/.git/config", b"cat/git x\n");
    s.write("package.use/ab/inner", b"cat/inner x\n");
    s.write("package.use/ab/.skip", b"cat/skip x\n");
    s.write("package.use/c", b"\n\n");
    let lines = read_profile_file(&Fs::os(), &s.0, "package.use", true)
        .unwrap()
        .unwrap();
    let got: Vec<String> = lines
        .iter()
        .map(|(loc, l)| {
            let rel = loc.file.strip_prefix(&s.0).unwrap().display().to_string();
            format!("{rel}:{} {}", loc.line, l.joined())
        })
        .collect();
    assert_eq!(
        got,
        [
            "package.use/Z:1 cat/z flag-z",
            "package.use/a:2 cat/a flag-a",
            "package.use/ab/inner:1 cat/inner x",
            "package.use/b:1 cat/b flag-b",
        ]
    );
    for (loc, l) in &lines {
        assert_eq!(loc.line, l.line);
    }

    // Not allowed: an error naming the directory.
    let e = read_profile_file(&Fs::os(), &s.0, "package.use", false).unwrap_err();
    assert!(matches!(e, FileError::IsDirectory { .. }));
    assert_eq!(
        e.to_string(),
        format!(
            "{}: is a directory, but only a file is allowed here",
            s.0.join("package.use").display()
        )
    );
    // The typed reader honours the kind: packages is never a directory.
    s.write("packages/x", b"*cat/pkg\n");
    assert!(matches!(
        read_packages(&Fs::os(), &s.0),
        Err(FileError::IsDirectory { .. })
    ));
    std::fs::create_dir_all(s.0.join("package.mask")).unwrap();
    assert_eq!(
        read_list(&Fs::os(), &s.0, ProfileFileKind::PackageMask, true).unwrap(),
        Some(vec![])
    );
    assert!(read_list(&Fs::os(), &s.0, ProfileFileKind::PackageMask, false).is_err());
    let e = read_atom_tokens(&Fs::os(), &s.0, ProfileFileKind::PackageUse, true)
        .unwrap()
        .unwrap();
    assert_eq!(e.len(), 4);
    assert_eq!(e[1].atom, "cat/a");
    assert_eq!(e[1].tokens, ["flag-a"]);
}

#[cfg(unix)]
#[test]
fn directory_cycle_is_an_error() {
    let s = Scratch::new("cycle");
    s.write("use.mask/a", b"flag\n");
    std::os::unix::fs::symlink(s.0.join("use.mask"), s.0.join("use.mask/loop")).unwrap();
    std::os::unix::fs::symlink(s.0.join("nowhere"), s.0.join("use.mask/dangling")).unwrap();
    let e = read_list(&Fs::os(), &s.0, ProfileFileKind::UseMask, true).unwrap_err();
    assert!(matches!(e, FileError::DirectoryCycle { .. }), "{e}");
    std::fs::remove_file(s.0.join("use.mask/loop")).unwrap();
    // The dangling symlink is skipped.
    let l = read_list(&Fs::os(), &s.0, ProfileFileKind::UseMask, true)
        .unwrap()
        .unwrap();
    assert_eq!(l.len(), 1);
    assert_eq!(l[0].value, "flag");
}

#[test]
fn file_errors_name_file_and_line() {
    let s = Scratch::new("errors");
    s.write("parent", b"# only a comment\n\n");
    let e = read_parent(&Fs::os(), &s.0).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("{}: empty parent file", s.0.join("parent").display())
    );
    s.write("eapi", b"  \n5\n");
    assert_eq!(
        read_eapi(&Fs::os(), &s.0).unwrap_err().to_string(),
        format!("{}:1: empty eapi file", s.0.join("eapi").display())
    );
    s.write("eapi", b" 8 \n");
    assert_eq!(read_eapi(&Fs::os(), &s.0).unwrap().unwrap().eapi, "8");
    s.write("package.use", b"cat/a x\ncat/b\n");
    assert_eq!(
        read_atom_tokens(&Fs::os(), &s.0, ProfileFileKind::PackageUse, false)
            .unwrap_err()
            .to_string(),
        format!(
            "{}:2: 'cat/b' has no tokens after the atom",
            s.0.join("package.use").display()
        )
    );
    s.write("package.mask", b"cat/a\n# caf\xc3\xa9\ncat/\xe9\n");
    assert_eq!(
        read_list(&Fs::os(), &s.0, ProfileFileKind::PackageMask, false)
            .unwrap_err()
            .to_string(),
        format!("{}:3: not valid UTF-8", s.0.join("package.mask").display())
    );
    s.write(
        "profiles.desc",
        b"amd64 default/linux/amd64 stable\namd64 x\n",
    );
    assert_eq!(
        read_profiles_desc(&Fs::os(), &s.0).unwrap_err().to_string(),
        format!(
            "{}:2: expected 'arch profile status', found 2 fields",
            s.0.join("profiles.desc").display()
        )
    );
    s.write("packages", b"-*\n-cat/a\n*-cat/b\n");
    let p = read_packages(&Fs::os(), &s.0).unwrap().unwrap();
    assert!(matches!(p[0], PackagesLine::Clear(ref l) if l.line == 1));
    assert!(matches!(&p[1], PackagesLine::Entry(e) if e.remove && !e.system && e.atom == "cat/a"));
    assert!(matches!(&p[2], PackagesLine::Entry(e) if !e.remove && e.system && e.atom == "-cat/b"));
    s.write("license_groups", b"LONELY\nG a @B\n");
    let g = read_license_groups(&Fs::os(), &s.0).unwrap().unwrap();
    assert_eq!(g.len(), 1);
    assert_eq!(g[0].name, "G");
    assert!(read_repo_name(&Fs::os(), &s.0).unwrap().is_none());
}
