//! The generator's parameters.
//!
//! Unless said otherwise every figure was MEASURED with
//! `portolan-gen measure ../shared/corpus/real/gentoo` (module
//! [`crate::measure`]) on the real md5-cache subset: 1 747 entries,
//! 594 packages, 56 categories (figures also in `corpus/README.md`).
//! Counts are kept as measured (not rounded to shares) so that the source
//! of each number stays checkable. The vocabularies (flag names, KEYWORDS
//! strings, LICENSE strings …) are in `vocab.rs`, emitted by the same tool.
//!
//! The subset is the dependency neighbourhood of the core packages, so a
//! few figures are biased against the whole tree; where the generator
//! departs from a measured figure the constant says why.

/// Full Gentoo scale (gentoo.git, 2025: ~19 000 packages, ~31 000 ebuilds in
/// ~170 categories) — NOT measured here: the brief's target.
pub const FULL_PACKAGES: usize = 19_000;
pub const FULL_VERSIONS: usize = 31_000;

/// Versions per package (histogram of packages; `(lo, hi, packages)`).
/// Measured mean 2.94: the subset keeps many versions of core packages, the
/// whole tree has 31 000 / 19 000 = 1.63. The generator keeps this shape
/// and mixes in single-version packages until the mean is 1.63
/// ([`single_version_mix`]).
pub const VERSIONS_PER_PACKAGE: &[(usize, usize, u32)] = &[
    (1, 1, 247),
    (2, 2, 121),
    (3, 3, 94),
    (4, 4, 54),
    (5, 5, 25),
    (6, 6, 17),
    (7, 7, 13),
    (8, 8, 2),
    (9, 16, 11),
    (17, 32, 9),
    (65, 80, 1),
];

/// Probability of forcing a package to one version so that the mean number
/// of versions per package is `FULL_VERSIONS / FULL_PACKAGES`.
pub fn single_version_mix() -> f64 {
    let total: f64 = VERSIONS_PER_PACKAGE.iter().map(|b| b.2 as f64).sum();
    let mean: f64 = VERSIONS_PER_PACKAGE
        .iter()
        .map(|&(lo, hi, n)| (lo + hi) as f64 / 2.0 * n as f64)
        .sum::<f64>()
        / total;
    let target = FULL_VERSIONS as f64 / FULL_PACKAGES as f64;
    // q·1 + (1 − q)·mean = target
    ((mean - target) / (mean - 1.0)).clamp(0.0, 1.0)
}

/// Packages per category of the subset. Categories of `profiles/categories`
/// not listed get [`CATEGORY_BASE_WEIGHT`]; the weight of a listed one is
/// its count plus that base (the subset alone would leave 118 categories
/// empty; the whole tree has packages in all of them).
pub const CATEGORY_PACKAGES: &[(&str, u32)] = &[
    ("acct-group", 51),
    ("acct-user", 23),
    ("app-admin", 4),
    ("app-alternatives", 11),
    ("app-arch", 18),
    ("app-cdr", 1),
    ("app-containers", 16),
    ("app-crypt", 15),
    ("app-doc", 1),
    ("app-editors", 3),
    ("app-emulation", 4),
    ("app-eselect", 6),
    ("app-misc", 5),
    ("app-portage", 5),
    ("app-shells", 3),
    ("app-text", 10),
    ("app-vim", 1),
    ("dev-build", 12),
    ("dev-cpp", 7),
    ("dev-db", 2),
    ("dev-debug", 2),
    ("dev-embedded", 1),
    ("dev-go", 1),
    ("dev-lang", 14),
    ("dev-libs", 63),
    ("dev-perl", 2),
    ("dev-python", 70),
    ("dev-util", 17),
    ("dev-vcs", 1),
    ("media-libs", 1),
    ("net-analyzer", 4),
    ("net-dialup", 2),
    ("net-dns", 4),
    ("net-firewall", 5),
    ("net-fs", 3),
    ("net-libs", 16),
    ("net-misc", 13),
    ("net-nds", 2),
    ("net-vpn", 1),
    ("sec-keys", 1),
    ("sec-policy", 7),
    ("sys-apps", 54),
    ("sys-auth", 3),
    ("sys-block", 4),
    ("sys-boot", 4),
    ("sys-devel", 13),
    ("sys-firmware", 5),
    ("sys-fs", 21),
    ("sys-kernel", 2),
    ("sys-libs", 22),
    ("sys-power", 1),
    ("sys-process", 6),
    ("virtual", 28),
    ("x11-drivers", 1),
    ("x11-libs", 1),
    ("x11-misc", 1),
];
/// Chosen (not measured): with 594 measured packages, a base of 3 gives
/// the 118 absent categories about 30 % of the packages.
pub const CATEGORY_BASE_WEIGHT: f64 = 3.0;

/// EAPI of entries: 8 → 1 631, 7 → 116.
pub const EAPI8: u32 = 1631;
pub const EAPI7: u32 = 116;

/// Versions: 169 of 1 747 are live (`9999`), 494 have `-rN`.
pub const ENTRIES: u32 = 1747;
pub const LIVE_VERSIONS: u32 = 169;
pub const REVISION_VERSIONS: u32 = 494;
/// Dot components of the version (before any `_suffix`): `(n, entries)`.
pub const VERSION_COMPONENTS: &[(usize, u32)] = &[(1, 338), (2, 350), (3, 1038), (4, 21)];
/// Suffixes: `_p` 166, `_beta` 6, `_rc` 4, `_alpha` 3, `_pre` 3 (of 1 747).
pub const VERSION_SUFFIXES: &[(&str, u32)] =
    &[("p", 166), ("beta", 6), ("rc", 4), ("alpha", 3), ("pre", 3)];

/// SLOT forms of entries: `0` 1 115, `0/SUB` 331, `S` 286, `S/SUB` 15.
pub const SLOT_FORMS: &[(&str, u32)] = &[("0", 1115), ("0/SUB", 331), ("S", 286), ("S/SUB", 15)];
/// 13 of 594 packages use several slots; 347 packages have ≥ 2 versions:
/// a package with several versions is multi-slot with probability 13/347.
pub const MULTI_SLOT_PACKAGES: u32 = 13;
pub const MULTI_VERSION_PACKAGES: u32 = 347;

/// Entries outside `virtual` and `acct-*` ("regular"): 1 629. Those
/// categories follow fixed patterns the generator writes directly (no
/// IUSE, no LICENSE, acct-user → acct-group, virtual → `|| ( … )`), so the
/// histograms below are measured on the regular entries only.
pub const REGULAR_ENTRIES: u32 = 1629;

/// Plain (non-USE_EXPAND) IUSE flags per regular entry: `(lo, hi, entries)`.
/// Also measured: 86.2 % of all entries have IUSE, 11.3 tokens per entry,
/// `+` on 12.4 % of tokens (from the `+f` tokens of the vocabulary).
pub const PLAIN_FLAGS_PER_ENTRY: &[(usize, usize, u32)] = &[
    (0, 0, 205),
    (1, 1, 267),
    (2, 2, 182),
    (3, 3, 129),
    (4, 4, 106),
    (5, 5, 68),
    (6, 6, 77),
    (7, 7, 44),
    (8, 8, 59),
    (9, 16, 276),
    (17, 32, 104),
    (33, 64, 105),
    (65, 90, 7),
];
/// Weight given to each flag the real profiles mask or force (use.mask,
/// use.force, use.stable.*, package.use.{mask,force}…) that the measured
/// vocabulary lacks or has less often. Chosen: the vocabulary totals ~16 000
/// plain flag occurrences; ~1 000 profile flags × 2 put about one drawn flag
/// in nine on a flag some profile acts on.
pub const PROFILE_FLAG_WEIGHT: f64 = 2.0;

/// KEYWORDS: 14.5 % of entries are empty; all 169 live versions are, and
/// 5.4 % of the other versions (84 of 1 578).
pub const EMPTY_KEYWORDS_NON_LIVE: f64 = 84.0 / 1578.0;
/// Of 247 packages with ≥ 2 keyworded versions, 105 have a newest keyworded
/// version with no stable keyword while an older version is stable (42.5 %).
/// The generator divides by the share of KEYWORDS strings with a stable
/// keyword (only those can show it).
pub const NEWEST_TESTING_ONLY: f64 = 105.0 / 247.0;

/// Dependency classes of regular entries: entries where the class is
/// non-empty (of [`REGULAR_ENTRIES`]), and atoms per non-empty entry
/// `(lo, hi, entries)`. Over all 1 747 entries: BDEPEND 84.7 % non-empty
/// with 9.3 atoms, DEPEND 61.8 % / 9.7, IDEPEND 3.8 % / 1.2, PDEPEND
/// 15.5 % / 1.7, RDEPEND 82.8 % / 8.8.
pub struct DepClass {
    pub key: &'static str,
    pub nonempty: u32,
    pub atoms: &'static [(usize, usize, u32)],
}
pub const DEP_CLASSES: &[DepClass] = &[
    DepClass {
        key: "BDEPEND",
        nonempty: 1479,
        atoms: &[
            (1, 1, 87),
            (2, 2, 139),
            (3, 3, 105),
            (4, 4, 90),
            (5, 5, 115),
            (6, 6, 133),
            (7, 7, 97),
            (8, 8, 80),
            (9, 16, 402),
            (17, 32, 201),
            (33, 64, 27),
            (65, 80, 3),
        ],
    },
    DepClass {
        key: "DEPEND",
        nonempty: 1080,
        atoms: &[
            (1, 1, 163),
            (2, 2, 148),
            (3, 3, 108),
            (4, 4, 65),
            (5, 5, 42),
            (6, 6, 65),
            (7, 7, 57),
            (8, 8, 40),
            (9, 16, 239),
            (17, 32, 84),
            (33, 64, 56),
            (65, 90, 13),
        ],
    },
    DepClass {
        key: "IDEPEND",
        nonempty: 66,
        atoms: &[(1, 1, 51), (2, 2, 15)],
    },
    DepClass {
        key: "PDEPEND",
        nonempty: 271,
        atoms: &[
            (1, 1, 226),
            (2, 2, 23),
            (3, 3, 8),
            (5, 5, 6),
            (7, 7, 4),
            (17, 32, 4),
        ],
    },
    DepClass {
        key: "RDEPEND",
        nonempty: 1379,
        atoms: &[
            (1, 1, 205),
            (2, 2, 176),
            (3, 3, 149),
            (4, 4, 110),
            (5, 5, 56),
            (6, 6, 99),
            (7, 7, 69),
            (8, 8, 52),
            (9, 16, 269),
            (17, 32, 134),
            (33, 64, 41),
            (65, 90, 19),
        ],
    },
];
/// 388 entries (22.2 %) have DEPEND identical to RDEPEND; 1 080 have a
/// DEPEND. Given both, DEPEND is a copy of RDEPEND with probability
/// 388 / (1 080 × 1 379 / 1 629) (classes taken as independent).
pub const DEPEND_EQ_RDEPEND_OF_DEPEND: f64 = 388.0 / (1080.0 * 1379.0 / 1629.0);

/// Atoms (37 439 in all): 64.9 % under a USE conditional (python and
/// multilib conditionals included), 11.2 % inside `||`; `||` groups: 1.09
/// per entry, 2.1 children each; USE-conditional groups: 3.7 % negated.
pub const ATOMS_IN_ANY_OF: f64 = 0.112;
pub const ANY_OF_NEGATED_COND: f64 = 0.037;
/// USE-conditional groups: 11.99 per entry for 13.9 conditional atoms per
/// entry, so most hold one atom. Chosen so that the generated share of
/// atoms under a `flag? ( )` (python/llvm conditionals come on top) lands
/// near the measured 64.9 %; checked by measuring a generated corpus
/// (README).
pub const PLAIN_ATOMS_UNDER_COND: f64 = 0.70;
/// Atoms per plain USE-conditional group (chosen, mean 1.4, see above).
pub const COND_GROUP_ATOMS: &[(usize, usize, u32)] = &[(1, 1, 70), (2, 2, 20), (3, 4, 10)];
/// Operators of atoms: `(op, atoms)`.
pub const ATOM_OPS: &[(&str, u32)] = &[
    ("", 26134),
    (">=", 10436),
    ("<", 587),
    ("~", 211),
    ("=*", 25),
    (">", 20),
    ("=", 14),
    ("<=", 12),
];
/// Slot parts of atoms: `:S` 7 189, `:=` 5 583, `:S=` 1 585, `:*` 459,
/// `:S/SUB` 26; none on the other 22 597 (of 37 439).
pub const ATOM_SLOTS: &[(&str, u32)] = &[
    ("", 22597),
    (":S", 7189),
    (":=", 5583),
    (":S=", 1585),
    (":*", 459),
    (":S/SUB", 26),
];
/// Blockers: `!` on 2.0 % of atoms, `!!` on none (written in RDEPEND and
/// DEPEND only, hence drawn there more often).
pub const BLOCKERS: f64 = 0.020;
/// USE deps: on 26.1 % of atoms, 3.0 elements each, 87.2 % with a
/// `(+)`/`(-)` default; element forms `f?` 22 547, `f` 4 496, `f=` 1 490,
/// `-f` 567. Most come from multilib (`abi_*(-)?`) and python
/// (`python_targets_*(-)?`) dependencies, which the generator produces as
/// such; the plain share below is for the other atoms (chosen: the
/// non-`?` forms are 6 553 of 29 100 elements, on ~2 200 atoms ≈ 6 %).
pub const PLAIN_USE_DEP: f64 = 0.20;
pub const USE_DEP_FORMS: &[(&str, u32)] = &[("f", 4496), ("f=", 1490), ("-f", 567)];

/// Atoms naming a package absent from the repository: 25.6 % in the
/// subset — an artefact of cutting the tree (llvm-core/llvm alone gets
/// 1 588 atoms). The whole tree has almost none (pkgcheck refuses them);
/// the generator points 1 % of the main repository's atoms and 5 % of the
/// overlays' at names that exist nowhere, always under a USE conditional
/// or inside `||`, where real trees keep such leftovers.
pub const DANGLING_MAIN: f64 = 0.01;
pub const DANGLING_OVERLAY: f64 = 0.05;

/// REQUIRED_USE: 620 of 1 747 entries; top-level forms `cond` 1 238, `||`
/// 236, `^^` 97, `??` 46, plain flag 14. Of 237 entries with
/// python_targets flags, 235 constrain them: 161 `|| ( … )` at top level,
/// 74 under a flag (`python? ( || ( … ) )`, `!minimal? ( … )`); 29 entries
/// require `|| ( llvm_targets_* )`, 28 `|| ( selinux_policy_types_* )`,
/// 29 `x86? ( cpu_flags_x86_sse2 )`.
pub const REQUIRED_USE_ENTRIES: u32 = 620;
pub const PY_REQUIRED_USE_UNDER_FLAG: f64 = 74.0 / 235.0;
/// Chosen: share of entries with ≥ 2 plain flags that get plain clauses,
/// so that the total lands near 620 / 1 747.
pub const PLAIN_REQUIRED_USE: f64 = 0.30;

/// Other fields: INHERIT 94.0 %, SRC_URI 83.7 % (about every version that
/// is neither live nor virtual/acct-*), HOMEPAGE and LICENSE 93.2 % (all
/// but the 118 virtual/acct-* entries), RESTRICT 58.2 %, PROPERTIES 10.1 %
/// (9.6 % is `live`).
pub const HAS_INHERIT: f64 = 0.940;
/// PROPERTIES other than `live` (177 − 168 of 1 747).
pub const HAS_OTHER_PROPERTIES: f64 = 9.0 / 1747.0;
