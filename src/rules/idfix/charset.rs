//! Character classes matched the way IdFix's .NET regular expressions match them
//! (`RegexOptions.IgnoreCase | CultureInvariant`), from a precomputed table.
//!
//! Case-insensitive .NET matching lower-cases each input character with the invariant culture and
//! compares it with the lower-cased class. [`fold`] is that simple one-character lower-casing; note
//! that U+0130 (`İ`) and U+212A (KELVIN SIGN) fold into the ASCII letters `i` and `k`, so IdFix
//! accepts them wherever it accepts letters. `\s` is Unicode whitespace, which is exactly Rust's
//! [`char::is_whitespace`] (White_Space: `\t \n \v \f \r`, space, U+0085, U+00A0, U+1680,
//! U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000).
//!
//! Membership is O(1) for ASCII (a 128-entry table) and O(log k) for the few non-ASCII members.

/// Simple (one character to one character) invariant lower-casing, as .NET's `char.ToLowerInvariant`.
pub fn fold(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    if c == '\u{130}' {
        return 'i';
    }
    let mut l = c.to_lowercase();
    match (l.next(), l.next()) {
        (Some(one), None) => one,
        _ => c,
    }
}

/// Lower-cases a whole string with [`fold`] (same length in characters, like `ToLowerInvariant`).
pub fn fold_str(s: &str) -> String {
    if s.is_ascii() { s.to_ascii_lowercase() } else { s.chars().map(fold).collect() }
}

/// True when `s` contains `needle` (ASCII, lower case) case-insensitively, as the unanchored
/// `Regex("smtp:", IgnoreCase)` of IdFix.
pub fn contains_ascii_ci(s: &str, needle: &str) -> bool {
    let (h, n) = (s.as_bytes(), needle.as_bytes());
    h.len() >= n.len() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

/// True when `s` starts with `prefix` case-insensitively (both folded).
pub fn starts_with_ci(s: &str, prefix: &str) -> bool {
    let mut it = s.chars();
    prefix.chars().all(|p| it.next().is_some_and(|c| fold(c) == fold(p)))
}

/// A set of characters, matched case-insensitively.
#[derive(Clone, Debug)]
pub struct CharSet {
    ascii: [bool; 128],
    whitespace: bool,
    /// Folded non-ASCII members, sorted.
    other: Vec<char>,
}

impl CharSet {
    /// A set of the characters of `chars`, plus every whitespace character when `whitespace`.
    pub fn new(whitespace: bool, chars: &str) -> Self {
        let mut set = CharSet { ascii: [false; 128], whitespace, other: Vec::new() };
        if whitespace {
            for b in 0u8..128 {
                if (b as char).is_whitespace() {
                    set.ascii[b as usize] = true;
                }
            }
        }
        for c in chars.chars() {
            let f = fold(c);
            if f.is_ascii() {
                set.ascii[f as usize] = true;
            } else {
                set.other.push(f);
            }
        }
        set.other.sort_unstable();
        set.other.dedup();
        set
    }

    /// Whether `c` is in the set.
    #[inline]
    pub fn contains(&self, c: char) -> bool {
        if c.is_ascii() {
            return self.ascii[c.to_ascii_lowercase() as usize];
        }
        (self.whitespace && c.is_whitespace()) || {
            let f = fold(c);
            if f.is_ascii() { self.ascii[f as usize] } else { self.other.binary_search(&f).is_ok() }
        }
    }

    /// Whether any character of `s` is in the set.
    pub fn any_in(&self, s: &str) -> bool {
        s.chars().any(|c| self.contains(c))
    }

    /// Whether every character of `s` is in the set (true for an empty string).
    pub fn all_in(&self, s: &str) -> bool {
        s.chars().all(|c| self.contains(c))
    }

    /// `s` without the characters of the set.
    pub fn delete_from(&self, s: &str) -> String {
        s.chars().filter(|&c| !self.contains(c)).collect()
    }

    /// `s` keeping only the characters of the set.
    pub fn keep_in(&self, s: &str) -> String {
        s.chars().filter(|&c| self.contains(c)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_insensitive_and_whitespace() {
        let s = CharSet::new(true, "äK<");
        assert!(s.contains('Ä') && s.contains('ä') && s.contains('k') && s.contains('<'));
        assert!(s.contains(' ') && s.contains('\t') && s.contains('\u{a0}') && s.contains('\u{3000}'));
        assert!(!s.contains('a') && !s.contains('\u{1f}') && !s.contains('é'));
        let letters = CharSet::new(false, "abcdefghijklmnopqrstuvwxyz");
        assert!(letters.contains('\u{212a}'), "KELVIN SIGN folds to k, as in .NET");
        assert!(letters.contains('\u{130}'), "İ folds to i");
        assert!(!letters.contains(' ') && !letters.contains('é'));
        assert_eq!(CharSet::new(true, "'").delete_from("o'brien smith"), "obriensmith");
        assert_eq!(letters.keep_in("Jo-sé"), "Jos");
    }

    #[test]
    fn helpers() {
        assert!(contains_ascii_ci("x500:SMTP:a", "smtp:"));
        assert!(!contains_ascii_ci("smtp", "smtp:"));
        assert!(starts_with_ci("Guest Speaker", "GUEST"));
        assert!(!starts_with_ci("Gue", "guest"));
        assert_eq!(fold_str("ÄBC"), "äbc");
    }
}
