//! Pronounceable package names, flavoured a little by category, always
//! valid (`[a-zA-Z0-9_][a-zA-Z0-9+_-]*`, never ending in `-VERSION`).

use super::rng::Rng;

const ONSETS: &[&str] = &[
    "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "br",
    "cr", "dr", "fl", "gl", "gr", "pl", "pr", "sk", "sl", "sn", "sp", "st", "str", "th", "tr",
    "ch", "sh", "qu", "x",
];
const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "y", "ai", "ea", "io", "ou", "oo"];
const CODAS: &[&str] = &[
    "", "", "", "", "n", "r", "l", "s", "t", "x", "m", "ck", "ng", "d",
];
const SUFFIXES: &[&str] = &[
    "utils", "tools", "core", "common", "data", "bin", "devel", "extra", "plugin", "bindings",
    "client", "server", "daemon", "lite", "ng",
];

fn pick(rng: &mut Rng, v: &[&'static str]) -> &'static str {
    v[rng.below(v.len())]
}

fn syllable(rng: &mut Rng, out: &mut String) {
    out.push_str(pick(rng, ONSETS));
    out.push_str(pick(rng, VOWELS));
    out.push_str(pick(rng, CODAS));
}

fn word(rng: &mut Rng, min: usize, max: usize) -> String {
    let mut w = String::new();
    for _ in 0..rng.range(min, max) {
        syllable(rng, &mut w);
    }
    w
}

fn capitalize(w: &str) -> String {
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// A package name for `category` (not checked for collisions).
pub fn package_name(rng: &mut Rng, category: &str) -> String {
    let mut n = match category {
        "dev-perl" => {
            let k = rng.range(1, 3);
            (0..k)
                .map(|_| capitalize(&word(rng, 1, 3)))
                .collect::<Vec<_>>()
                .join("-")
        }
        "acct-user" | "acct-group" => word(rng, 1, 3),
        c if c.starts_with("x11-") && rng.chance(0.4) => {
            format!("lib{}", capitalize(&word(rng, 1, 2)))
        }
        c if c.ends_with("-libs") && rng.chance(0.4) => format!("lib{}", word(rng, 1, 3)),
        "dev-python" | "dev-ruby" | "dev-lua" if rng.chance(0.3) => {
            format!("{}-{}", word(rng, 1, 3), word(rng, 1, 2))
        }
        _ => word(rng, 1, 3),
    };
    if rng.chance(0.08) {
        n.push('-');
        n.push_str(pick(rng, SUFFIXES));
    }
    if rng.chance(0.05) {
        // A digit inside a word (`gtk3`, `s3fs`), never after `-`.
        n.push(char::from(b'2' + rng.below(8) as u8));
    }
    n
}

/// A word for descriptions and overlay names.
pub fn plain_word(rng: &mut Rng) -> String {
    word(rng, 1, 3)
}

#[cfg(test)]
mod tests {
    use super::*;
    use portolan_engine::version::valid_package_name;

    #[test]
    fn names_are_valid() {
        let mut r = Rng::new(3);
        for cat in [
            "dev-perl",
            "x11-libs",
            "dev-python",
            "sys-apps",
            "acct-user",
        ] {
            for _ in 0..2000 {
                let n = package_name(&mut r, cat);
                assert!(valid_package_name(&n), "{cat}/{n}");
            }
        }
    }
}
