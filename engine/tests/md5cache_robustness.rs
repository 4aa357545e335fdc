//! No panics and linear time on arbitrary md5-cache input.

use std::path::Path;
use std::time::{Duration, Instant};

use portolan_engine::md5cache::CacheEntry;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const PIECES: &[&[u8]] = &[
    b"EAPI",
    b"SLOT",
    b"IUSE",
    b"_md5_",
    b"_eclasses_",
    b"KEYWORDS",
    b"=",
    b"\n",
    b"\r",
    b"\t",
    b" ",
    b"+",
    b"-",
    b"/",
    b"a",
    b"0",
    b"\xff",
    b"\xc3\xa9",
    b"\xc3",
];

#[test]
fn random_entries_never_panic() {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let mut parsed = 0;
    for _ in 0..30_000 {
        let mut bytes = Vec::new();
        for _ in 0..rng.below(6) {
            // Mostly well-formed `KEY=VALUE` lines with random values.
            bytes.extend_from_slice(PIECES[rng.below(6)]);
            if rng.below(8) != 0 {
                bytes.push(b'=');
            }
            for _ in 0..rng.below(8) {
                bytes.extend_from_slice(PIECES[rng.below(PIECES.len())]);
            }
            bytes.push(if rng.below(10) == 0 { b'\r' } else { b'\n' });
        }
        if rng.below(3) != 0 {
            bytes.extend_from_slice(b"_md5_=x\n");
        }
        if let Ok(e) = CacheEntry::from_bytes(Path::new("fuzz/p-1"), bytes) {
            parsed += 1;
            let _ = (e.eapi(), e.slot(), e.md5(), e.eclasses());
            let _ = e.iuse().count() + e.keywords().count() + e.inherit().count();
            let _ = e.keys().count();
        }
    }
    assert!(parsed > 0);
}

#[test]
fn huge_entries_are_linear() {
    const N: usize = 2_000_000;
    let t = Instant::now();
    let mut text = format!("IUSE={}\n", "+f ".repeat(N / 3));
    text.push_str(&"K=v\n".repeat(N / 4));
    text.push_str(&format!("_eclasses_={}\n_md5_=x\n", "e\tm\t".repeat(N / 4)));
    let e = CacheEntry::from_bytes(Path::new("huge/p-1"), text.into_bytes()).unwrap();
    assert_eq!(e.iuse().count(), N / 3);
    assert_eq!(e.eclasses().unwrap().len(), N / 4);
    let no_newline = vec![b'a'; N];
    assert!(CacheEntry::from_bytes(Path::new("huge/p-1"), no_newline).is_err());
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
}
