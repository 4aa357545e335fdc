//! Interned strings: package names, categories, flags, keywords, slots and
//! repository names become 32-bit [`Sym`]s, so that stacking and evaluation
//! compare and hash integers.
//!
//! The interner is global and append-only: a string once interned lives for
//! the rest of the process (the inputs are bounded by the repositories read),
//! which lets [`Sym::as_str`] hand out `&'static str` without lifetimes
//! threading through every type.

use std::fmt;
use std::sync::{OnceLock, RwLock};

/// An interned string. Equality and hashing are on the id; ordering is by
/// the id too (insertion order), so sort by [`Sym::as_str`] for output.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sym(u32);

struct Interner {
    map: ahash::HashMap<&'static str, u32>,
    strs: Vec<&'static str>,
}

fn interner() -> &'static RwLock<Interner> {
    static INTERNER: OnceLock<RwLock<Interner>> = OnceLock::new();
    INTERNER.get_or_init(|| {
        RwLock::new(Interner {
            map: ahash::HashMap::default(),
            strs: Vec::new(),
        })
    })
}

impl Sym {
    /// Interns `s`, returning the same `Sym` for equal strings.
    pub fn new(s: &str) -> Sym {
        if let Some(&id) = interner().read().unwrap().map.get(s) {
            return Sym(id);
        }
        let mut w = interner().write().unwrap();
        if let Some(&id) = w.map.get(s) {
            return Sym(id);
        }
        let id = u32::try_from(w.strs.len()).expect("more than 2^32 interned strings");
        let leaked: &'static str = Box::leak(s.to_owned().into_boxed_str());
        w.strs.push(leaked);
        w.map.insert(leaked, id);
        Sym(id)
    }

    /// The `Sym` of `s` if it was ever interned, without interning it.
    pub fn lookup(s: &str) -> Option<Sym> {
        interner().read().unwrap().map.get(s).map(|&id| Sym(id))
    }

    pub fn as_str(self) -> &'static str {
        interner().read().unwrap().strs[self.0 as usize]
    }

    pub fn id(self) -> u32 {
        self.0
    }
}

impl fmt::Debug for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl fmt::Display for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for Sym {
    fn from(s: &str) -> Sym {
        Sym::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_string_same_sym() {
        let a = Sym::new("sys-apps/systemd");
        let b = Sym::new(&String::from("sys-apps/systemd"));
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "sys-apps/systemd");
        assert_ne!(a, Sym::new("sys-apps/openrc"));
        assert_eq!(Sym::lookup("sys-apps/systemd"), Some(a));
        assert_eq!(Sym::lookup("never-interned/xyzzy"), None);
    }
}
