//! Interned strings: package names, categories, flags, keywords, slots and
//! repository names become 32-bit [`Sym`]s, so that stacking and evaluation
//! compare and hash integers.
//!
//! The interner is global and append-only: a string once interned lives for
//! the rest of the process (the inputs are bounded by the repositories read),
//! which lets [`Sym::as_str`] hand out `&'static str` without lifetimes
//! threading through every type.
//!
//! Reading a symbol's text takes no lock: the strings live in fixed-size
//! chunks that are allocated once and never move, each slot written once
//! (under the writers' lock) before its id is handed out. Evaluation of a
//! whole matrix reads symbol texts millions of times from several threads.

use std::fmt;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{OnceLock, RwLock};

const CHUNK_BITS: u32 = 14;
const CHUNK: usize = 1 << CHUNK_BITS;
/// 2^14 chunks of 2^14 slots: room for 2^28 symbols.
const CHUNKS: usize = 1 << 14;

type Chunk = [OnceLock<&'static str>; CHUNK];

static STORE: [AtomicPtr<Chunk>; CHUNKS] = [const { AtomicPtr::new(std::ptr::null_mut()) }; CHUNKS];

fn slot(id: u32) -> &'static OnceLock<&'static str> {
    let chunk = STORE[(id >> CHUNK_BITS) as usize].load(Ordering::Acquire);
    assert!(!chunk.is_null(), "symbol {id} read before it was interned");
    // SAFETY: a chunk pointer, once published, points to a leaked (never
    // freed, never moved) chunk.
    unsafe { &(*chunk)[(id as usize) & (CHUNK - 1)] }
}

/// Stores `s` at `id`. Called with the writers' lock held, before `id` is
/// returned to anyone. Kept out of line: the chunk is built on the heap
/// here, and inlined into [`Sym::new`] its size made every call probe
/// hundreds of kilobytes of stack.
#[cold]
#[inline(never)]
fn publish(id: u32, s: &'static str) {
    let idx = (id >> CHUNK_BITS) as usize;
    assert!(idx < CHUNKS, "more than 2^28 interned strings");
    if STORE[idx].load(Ordering::Acquire).is_null() {
        let slots: Vec<OnceLock<&'static str>> = (0..CHUNK).map(|_| OnceLock::new()).collect();
        let chunk: Box<Chunk> = match slots.into_boxed_slice().try_into() {
            Ok(c) => c,
            Err(_) => unreachable!("CHUNK slots were made"),
        };
        STORE[idx].store(Box::into_raw(chunk), Ordering::Release);
    }
    let _ = slot(id).set(s);
}

/// An interned string. Equality and hashing are on the id; ordering is by
/// the id too (insertion order), so sort by [`Sym::as_str`] for output.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sym(u32);

struct Interner {
    map: ahash::HashMap<&'static str, u32>,
    len: u32,
}

fn interner() -> &'static RwLock<Interner> {
    static INTERNER: OnceLock<RwLock<Interner>> = OnceLock::new();
    INTERNER.get_or_init(|| {
        RwLock::new(Interner {
            map: ahash::HashMap::default(),
            len: 0,
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
        let id = w.len;
        let leaked: &'static str = Box::leak(s.to_owned().into_boxed_str());
        publish(id, leaked);
        w.len += 1;
        w.map.insert(leaked, id);
        Sym(id)
    }

    /// The `Sym` of `s` if it was ever interned, without interning it.
    pub fn lookup(s: &str) -> Option<Sym> {
        interner().read().unwrap().map.get(s).map(|&id| Sym(id))
    }

    pub fn as_str(self) -> &'static str {
        slot(self.0).get().copied().unwrap_or("")
    }

    pub fn id(self) -> u32 {
        self.0
    }
}

/// A front for [`Sym::new`] kept by one thread of a parallel load: the
/// symbols it interned so far, in a plain map. The global interner takes a
/// lock (shared, but its counter still moves between cores) on every call;
/// loading interns a few hundred distinct strings tens of thousands of
/// times (KEYWORDS, IUSE, SLOT), so most calls end here.
#[derive(Default)]
pub struct LocalSyms(ahash::HashMap<&'static str, Sym>);

impl LocalSyms {
    /// [`Sym::new`] of `s`.
    pub fn sym(&mut self, s: &str) -> Sym {
        if let Some(&sym) = self.0.get(s) {
            return sym;
        }
        let sym = Sym::new(s);
        self.0.insert(sym.as_str(), sym);
        sym
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

    #[test]
    fn local_syms_are_the_global_ones() {
        let mut local = LocalSyms::default();
        let a = local.sym("dev-libs/local-front");
        assert_eq!(a, Sym::new("dev-libs/local-front"));
        assert_eq!(local.sym("dev-libs/local-front"), a);
        assert_eq!(local.sym("other"), Sym::new("other"));
        assert_ne!(local.sym("other"), a);
    }
}
