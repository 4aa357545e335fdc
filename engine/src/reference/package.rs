//! One package version from `metadata/md5-cache`, and everything the
//! reference decides about it under a [`RefProfile`]: keywords, stable,
//! USE/force/mask by replaying token lists, implicit flags, and the mask
//! reasons in the fast path's words (`package.mask`, `keywords`, `license`,
//! `invalid`, `eapi`).

use std::collections::BTreeMap;
use std::path::Path;

use super::atom::{by_specificity, Atom, Target};
use super::profile::{decide, stack_incremental, AtomTokens, Node, RefProfile};
use super::version::{split_pf, Version};

/// A version as its md5-cache entry says.
#[derive(Clone, Debug)]
pub struct RefPackage {
    pub repo: String,
    pub cp: String,
    pub version: Version,
    pub meta: BTreeMap<String, String>,
}

impl RefPackage {
    /// Reads `metadata/md5-cache/CAT/PF` of repository `repo`.
    pub fn read(repo: &str, file: &Path) -> Option<RefPackage> {
        let pf = file.file_name()?.to_str()?;
        let cat = file.parent()?.file_name()?.to_str()?;
        let (pn, version) = split_pf(pf)?;
        let text = std::fs::read_to_string(file).ok()?;
        let meta = text
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Some(RefPackage {
            repo: repo.to_owned(),
            cp: format!("{cat}/{pn}"),
            version,
            meta,
        })
    }

    pub fn get(&self, key: &str) -> &str {
        self.meta.get(key).map(String::as_str).unwrap_or("")
    }

    pub fn cpv(&self) -> String {
        format!("{}-{}", self.cp, self.version.text)
    }

    /// The EAPI number, None when unsupported (only `0`..`9`).
    pub fn eapi(&self) -> Option<u8> {
        let e = self.meta.get("EAPI").map(|s| s.trim()).unwrap_or("0");
        let e = if e.is_empty() { "0" } else { e };
        match e.as_bytes() {
            [d @ b'0'..=b'9'] => Some(d - b'0'),
            _ => None,
        }
    }

    /// (SLOT, sub-slot); empty for an unsupported EAPI, whose SLOT Portage
    /// does not read.
    fn slot(&self) -> (String, String) {
        if self.eapi().is_none() {
            return (String::new(), String::new());
        }
        let s = self.get("SLOT").trim();
        match s.split_once('/') {
            Some((a, b)) => (a.to_owned(), b.to_owned()),
            None => (s.to_owned(), s.to_owned()),
        }
    }

    /// IUSE names, sorted, each once.
    pub fn iuse(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .get("IUSE")
            .split_whitespace()
            .map(|t| t.trim_start_matches(['+', '-']).to_owned())
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Portage's `pkginternal` USE: every `+flag` of IUSE.
    pub fn iuse_defaults(&self) -> Vec<String> {
        self.get("IUSE")
            .split_whitespace()
            .filter_map(|t| t.strip_prefix('+'))
            .map(str::to_owned)
            .collect()
    }
}

/// What the reference decides for one version under one profile; lists
/// sorted by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefState {
    pub visible: bool,
    pub masked_by: Vec<String>,
    pub stable: bool,
    pub use_: Vec<String>,
    pub forced: Vec<String>,
    pub masked: Vec<String>,
    pub enabled: Vec<String>,
    pub iuse_effective: Vec<String>,
    pub keywords: Vec<String>,
    pub accepted: Vec<String>,
}

/// The tokens of the entries of one node's table matching `pkg`, in
/// Portage's specificity order.
fn matching(pkg: &RefPackage, table: &AtomTokens) -> Vec<Vec<String>> {
    let (slot, subslot) = pkg.slot();
    let t = Target {
        cp: &pkg.cp,
        version: &pkg.version,
        slot: &slot,
        subslot: &subslot,
        repo: &pkg.repo,
    };
    let hits: Vec<(&Atom, Vec<String>)> = table
        .iter()
        .filter(|(a, _)| a.matches(&t))
        .map(|(a, toks)| (a, toks.clone()))
        .collect();
    by_specificity(&pkg.version, hits)
}

fn flat(pkg: &RefPackage, table: &AtomTokens) -> Vec<String> {
    matching(pkg, table).into_iter().flatten().collect()
}

/// Portage `KeywordsManager._getMissingKeywords`, as a yes/no: is any of
/// `keywords` accepted by `accept`?
fn keywords_accepted(keywords: &[String], accept: &[String]) -> bool {
    let (mut stable, mut testing) = (false, false);
    for k in keywords {
        if k == "*" {
            return true;
        } else if k == "~*" {
            testing = true;
            if accept.iter().any(|a| a.starts_with('~')) {
                return true;
            }
        } else if accept.contains(k) {
            return true;
        } else if k.starts_with('~') {
            testing = true;
        } else if !k.starts_with('-') {
            stable = true;
        }
    }
    let has = |s: &str| accept.iter().any(|a| a == s);
    (testing && has("~*")) || (stable && has("*")) || has("**")
}

fn parse_target(pkg: &RefPackage) -> (String, String) {
    pkg.slot()
}

/// The tokens of a dependency-like string (md5-cache entries always put
/// spaces around parentheses).
fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_owned).collect()
}

/// A LICENSE string reduced with USE (Portage `use_reduce(opconvert=True)`).
#[derive(Debug)]
enum Lic {
    Name(String),
    All(Vec<Lic>),
    Any(Vec<Lic>),
}

/// Reads items up to the matching `)` (or the end). Disabled conditionals
/// vanish; enabled ones and plain groups are spliced into an all-of level,
/// and kept as one all-of element (or their single member) inside `||`.
fn reduce(toks: &[String], i: &mut usize, enabled: &[String], in_any: bool) -> Vec<Lic> {
    let mut out = Vec::new();
    while *i < toks.len() {
        let t = toks[*i].clone();
        *i += 1;
        if t == ")" {
            break;
        }
        if t == "||" {
            *i += 1; // "("
            out.push(Lic::Any(reduce(toks, i, enabled, true)));
            continue;
        }
        let cond = if let Some(f) = t.strip_suffix('?') {
            *i += 1; // "("
            let (neg, f) = match f.strip_prefix('!') {
                Some(f) => (true, f),
                None => (false, f),
            };
            Some(enabled.iter().any(|e| e == f) != neg)
        } else if t == "(" {
            Some(true)
        } else {
            out.push(Lic::Name(t));
            continue;
        };
        let inner = reduce(toks, i, enabled, false);
        if cond == Some(false) {
            continue;
        }
        if in_any {
            let mut inner = inner;
            if inner.len() == 1 {
                out.push(inner.pop().unwrap());
            } else {
                out.push(Lic::All(inner));
            }
        } else {
            out.extend(inner);
        }
    }
    out
}

/// Portage `_getMaskedLicenses`.
fn masked_licenses(l: &Lic, ok: &dyn Fn(&str) -> bool) -> Vec<String> {
    match l {
        Lic::Name(n) => {
            if ok(n) {
                Vec::new()
            } else {
                vec![n.clone()]
            }
        }
        Lic::All(v) => v.iter().flat_map(|e| masked_licenses(e, ok)).collect(),
        Lic::Any(v) => {
            let mut ret = Vec::new();
            for e in v {
                match e {
                    Lic::Name(n) => {
                        if ok(n) {
                            return Vec::new();
                        }
                        ret.push(n.clone());
                    }
                    Lic::All(x) | Lic::Any(x) if x.is_empty() => {}
                    sub => {
                        let tmp = masked_licenses(sub, ok);
                        if tmp.is_empty() {
                            return Vec::new();
                        }
                        ret.extend(tmp);
                    }
                }
            }
            ret
        }
    }
}

/// Flags named in USE conditionals (`flag?`, `!flag?`) of a dependency-like
/// string, and in atoms' conditional USE deps (`[flag?]`, `[!flag=]`, ...).
fn conditional_flags(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    for w in words(s) {
        if let Some(f) = w.strip_suffix('?') {
            if !f.contains('[') {
                out.push(f.trim_start_matches('!').to_owned());
                continue;
            }
        }
        if let Some(open) = w.find('[') {
            for d in w[open + 1..].trim_end_matches(']').split(',') {
                if d.ends_with('?') || d.ends_with('=') {
                    let f = d.trim_end_matches(['?', '=']).trim_start_matches('!');
                    let f = f.split('(').next().unwrap_or(f);
                    out.push(f.to_owned());
                }
            }
        }
    }
    out
}

fn valid_slot(s: &str, subslots: bool) -> bool {
    let name = |s: &str| {
        let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
        let mut cs = s.chars();
        cs.next().is_some_and(word) && cs.all(|c| word(c) || matches!(c, '+' | '.' | '-'))
    };
    match s.split_once('/') {
        Some((a, b)) => subslots && name(a) && name(b),
        None => name(s),
    }
}

impl RefProfile {
    fn per_node<'a>(
        &'a self,
        pick: impl Fn(&'a Node) -> &'a AtomTokens,
        pkg: &RefPackage,
    ) -> Vec<Vec<Vec<String>>> {
        self.stack.iter().map(|n| matching(pkg, pick(n))).collect()
    }

    /// Everything about `pkg` under this profile, from scratch.
    pub fn evaluate(&self, pkg: &RefPackage) -> RefState {
        let eapi = pkg.eapi();
        // Keywords: own (no `-*`), then package.keywords of every node.
        let mut kw: Vec<String> = if eapi.is_some() {
            pkg.get("KEYWORDS")
                .split_whitespace()
                .filter(|k| *k != "-*")
                .map(str::to_owned)
                .collect()
        } else {
            Vec::new()
        };
        let pk: Vec<String> = self
            .stack
            .iter()
            .flat_map(|n| flat(pkg, &n.package_keywords))
            .collect();
        kw = stack_incremental(&kw, &pk);
        let global = self.accept_keywords();
        let defaults: Vec<String> = global
            .iter()
            .filter(|k| !k.starts_with(['~', '-']))
            .map(|k| format!("~{k}"))
            .collect();
        let mut extra = Vec::new();
        for entries in self.per_node(|n| &n.package_accept_keywords, pkg) {
            for toks in entries {
                extra.extend(if toks.is_empty() {
                    defaults.clone()
                } else {
                    toks
                });
            }
        }
        let acc = stack_incremental(&global, &extra);
        let kw_ok = keywords_accepted(&kw, &acc);
        // Portage `isStable`: accepted, and not once every keyword is `~`.
        let testing: Vec<String> = kw
            .iter()
            .map(|k| {
                if k.starts_with('~') {
                    k.clone()
                } else {
                    format!("~{k}")
                }
            })
            .collect();
        let stable = kw_ok && !keywords_accepted(&testing, &acc);

        let arch = self.arch();
        let mut st = RefState {
            visible: false,
            masked_by: Vec::new(),
            stable,
            use_: Vec::new(),
            forced: Vec::new(),
            masked: Vec::new(),
            enabled: Vec::new(),
            iuse_effective: Vec::new(),
            keywords: kw.clone(),
            accepted: acc.clone(),
        };
        if let Some(e) = eapi {
            let iuse = pkg.iuse();
            // The token lists, node by node, in Portage's order.
            let mut use_tail = Vec::new();
            let mut force = Vec::new();
            let mut mask = Vec::new();
            for (i, n) in self.stack.iter().enumerate() {
                use_tail.extend(self.defaults_use(i));
                if stable {
                    use_tail.extend(n.use_stable.iter().cloned());
                }
                use_tail.extend(flat(pkg, &n.package_use));
                if stable {
                    use_tail.extend(flat(pkg, &n.package_use_stable));
                }
                force.extend(n.use_force.iter().cloned());
                mask.extend(n.use_mask.iter().cloned());
                if stable {
                    force.extend(n.use_stable_force.iter().cloned());
                    mask.extend(n.use_stable_mask.iter().cloned());
                }
                force.extend(flat(pkg, &n.package_use_force));
                mask.extend(flat(pkg, &n.package_use_mask));
                if stable {
                    force.extend(flat(pkg, &n.package_use_stable_force));
                    mask.extend(flat(pkg, &n.package_use_stable_mask));
                }
            }
            // IUSE defaults come first, below every profile token.
            let mut stream = pkg.iuse_defaults();
            stream.extend(use_tail);
            let flag = |f: &str| -> (bool, bool, bool) {
                let on = decide(&stream, f, true) == Some(true);
                let fo = decide(&force, f, false) == Some(true);
                let ma = decide(&mask, f, false) == Some(true);
                ((on || fo || arch.as_deref() == Some(f)) && !ma, fo, ma)
            };
            for f in &iuse {
                let (on, fo, ma) = flag(f);
                st.iuse_effective.push(f.clone());
                if on {
                    st.use_.push(f.clone());
                    st.enabled.push(f.clone());
                }
                if fo {
                    st.forced.push(f.clone());
                }
                if ma {
                    st.masked.push(f.clone());
                }
            }
            if e >= 5 {
                for f in self.implicit_flags() {
                    if iuse.contains(&f) {
                        continue;
                    }
                    if flag(&f).0 {
                        st.enabled.push(f.clone());
                    }
                    st.iuse_effective.push(f);
                }
            }
        }
        if self.package_masked(pkg) {
            st.masked_by.push("package.mask".into());
        }
        if !kw_ok {
            st.masked_by.push("keywords".into());
        }
        // An unsupported EAPI's LICENSE is not read either.
        if eapi.is_some() && !self.missing_licenses(pkg, &st.enabled).is_empty() {
            st.masked_by.push("license".into());
        }
        match eapi {
            Some(e) => {
                if self.invalid(pkg, e, &st.iuse_effective) {
                    st.masked_by.push("invalid".into());
                }
            }
            None => {
                st.masked_by.push("eapi".into());
                st.masked_by.push("invalid".into());
            }
        }
        st.visible = st.masked_by.is_empty();
        st
    }

    /// IUSE_IMPLICIT plus the USE_EXPAND_IMPLICIT values, sorted.
    pub fn implicit_flags(&self) -> Vec<String> {
        let mut out = self.words("IUSE_IMPLICIT");
        let unprefixed = self.words("USE_EXPAND_UNPREFIXED");
        let prefixed = self.words("USE_EXPAND");
        for var in self.words("USE_EXPAND_IMPLICIT") {
            let prefix = if unprefixed.contains(&var) {
                String::new()
            } else if prefixed.contains(&var) {
                format!("{}_", var.to_lowercase())
            } else {
                continue;
            };
            for v in self.words(&format!("USE_EXPAND_VALUES_{var}")) {
                out.push(format!("{prefix}{v}"));
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// Portage `_getMaskAtom`: a matching mask (repository-level ones for
    /// their repository's packages only) and no matching unmask.
    fn package_masked(&self, pkg: &RefPackage) -> bool {
        let (slot, subslot) = parse_target(pkg);
        let t = Target {
            cp: &pkg.cp,
            version: &pkg.version,
            slot: &slot,
            subslot: &subslot,
            repo: &pkg.repo,
        };
        let hit = |atom: &str| Atom::parse(atom).is_some_and(|a| a.matches(&t));
        let scoped = |list: &[(String, String)]| list.iter().any(|(a, r)| *r == pkg.repo && hit(a));
        let masked = scoped(&self.repo_masks) || self.package_mask.iter().any(|a| hit(a));
        let unmasked = scoped(&self.repo_unmasks) || self.package_unmask.iter().any(|a| hit(a));
        masked && !unmasked
    }

    /// ACCEPT_LICENSE with groups expanded (`@G` → members, `-@G` → each
    /// member removed), recursively; a group already being expanded is cut.
    fn expand_group(&self, name: &str, path: &mut Vec<String>, out: &mut Vec<String>) {
        if path.iter().any(|p| p == name) {
            return;
        }
        path.push(name.to_owned());
        for m in self.license_groups.get(name).into_iter().flatten() {
            match m.strip_prefix('@') {
                Some(g) => self.expand_group(g, path, out),
                None => out.push(m.clone()),
            }
        }
        path.pop();
    }

    /// Portage `getMissingLicenses`.
    pub fn missing_licenses(&self, pkg: &RefPackage, enabled: &[String]) -> Vec<String> {
        let lic = pkg.get("LICENSE");
        let names: Vec<String> = words(lic)
            .into_iter()
            .filter(|w| !w.ends_with('?') && w != "(" && w != ")" && w != "||")
            .collect();
        let mut acceptable: Vec<String> = Vec::new();
        for t in self.words("ACCEPT_LICENSE") {
            let (neg, name) = match t.strip_prefix('-') {
                Some(r) => (true, r.to_owned()),
                None => (false, t.clone()),
            };
            if name == "*" {
                if neg {
                    acceptable.clear();
                } else {
                    acceptable.extend(names.iter().cloned());
                }
                continue;
            }
            let members = match name.strip_prefix('@') {
                Some(g) => {
                    let mut v = Vec::new();
                    self.expand_group(g, &mut Vec::new(), &mut v);
                    v
                }
                None => vec![name],
            };
            for m in members {
                if neg {
                    acceptable.retain(|x| *x != m);
                } else {
                    acceptable.push(m);
                }
            }
        }
        let ok = |l: &str| acceptable.iter().any(|a| a == l);
        let toks = words(lic);
        let mut i = 0;
        let tree = Lic::All(reduce(&toks, &mut i, enabled, false));
        masked_licenses(&tree, &ok)
    }

    /// Portage's `invalid` mask for a supported EAPI (the checks the
    /// generated repositories exercise; see the module docs).
    fn invalid(&self, pkg: &RefPackage, eapi: u8, iuse_eff: &[String]) -> bool {
        if !valid_slot(pkg.get("SLOT").trim(), eapi >= 5) {
            return true;
        }
        if eapi < 1
            && pkg
                .get("IUSE")
                .split_whitespace()
                .any(|t| t.starts_with(['+', '-']))
        {
            return true;
        }
        if !pkg.get("REQUIRED_USE").trim().is_empty() && eapi < 4 {
            return true;
        }
        if eapi < 5 {
            return false;
        }
        let mut own = Vec::new();
        for key in [
            "DEPEND",
            "RDEPEND",
            "PDEPEND",
            "BDEPEND",
            "IDEPEND",
            "LICENSE",
            "PROPERTIES",
            "RESTRICT",
        ] {
            own.extend(conditional_flags(pkg.get(key)));
        }
        for w in words(pkg.get("REQUIRED_USE")) {
            if matches!(w.as_str(), "(" | ")" | "||" | "^^" | "??") {
                continue;
            }
            let f = w.trim_end_matches('?').trim_start_matches('!');
            {
                own.push(f.to_owned());
            }
        }
        own.iter().any(|f| !iuse_eff.contains(f))
    }
}
