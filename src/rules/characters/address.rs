use super::*;

/// Result of checking an address's ASCII characters and form.
#[derive(Default, Clone)]
pub(super) struct AddrCheck {
    pub(super) bad: BTreeSet<char>,
    pub(super) problems: Vec<String>,
}

impl AddrCheck {
    pub(super) fn is_clean(&self) -> bool {
        self.bad.is_empty() && self.problems.is_empty()
    }
    pub(super) fn chars(&self) -> Vec<String> {
        self.bad.iter().map(|c| c.to_string()).collect()
    }
    pub(super) fn summary(&self, problems: &[String]) -> String {
        let mut parts = Vec::new();
        if !self.bad.is_empty() {
            parts.push(format!(
                "invalid characters {}",
                self.bad
                    .iter()
                    .map(|c| if c.is_whitespace() { "space".to_string() } else { format!("`{c}`") })
                    .collect::<Vec<_>>()
                    .join(" ")
            ));
        }
        parts.extend(problems.iter().cloned());
        parts.join("; ")
    }
}

/// Checks an address: whitespace and characters of `invalid` (ASCII only; non-ASCII is CH014's), and
/// when `smtp` the form `local@domain` (one `@`, no stray `:`, no empty labels, dots not at the ends).
pub(super) fn check_address(a: &str, invalid: &Chars, smtp: bool) -> AddrCheck {
    let is_bad = |c: char| c.is_whitespace() || c.is_control() || invalid.contains(c);
    // Called for every address of every object, and most are clean ASCII of a plain form: settled in
    // one pass over the bytes (one table lookup each), and no set built.
    let class = &invalid.address_class;
    if if smtp { clean_plain_smtp(a.as_bytes(), class) } else { clean_ascii(a.as_bytes(), class) } {
        return AddrCheck::default();
    }
    let clean_ascii = clean_ascii(a.as_bytes(), class);
    let bad = if clean_ascii { BTreeSet::new() } else { a.chars().filter(|&c| is_bad(c)).collect() };
    let mut r = AddrCheck { bad, ..Default::default() };
    if !smtp {
        return r;
    }
    let core: std::borrow::Cow<str> =
        if r.bad.is_empty() { a.into() } else { a.chars().filter(|c| !r.bad.contains(c)).collect::<String>().into() };
    r.problems = form_problems(&core);
    r
}

/// What is wrong with the form of an address (its bad characters already left out).
fn form_problems(core: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if core.contains(':') {
        problems.push("`:` inside the address (only the type prefix may end with `:`)".into());
    }
    let ats = core.matches('@').count();
    if ats != 1 {
        problems.push(if ats == 0 { "no `@`".into() } else { format!("{ats} `@`") });
        return problems;
    }
    let (l, d) = core.split_once('@').unwrap_or_default();
    if l.is_empty() {
        problems.push("empty local part".into());
    } else if l.starts_with('.') || l.ends_with('.') || l.contains("..") {
        problems.push("local part begins or ends with `.` or contains `..`".into());
    }
    if d.is_empty() || !d.contains('.') {
        problems.push(format!("domain `{d}` is not a fully qualified name"));
    } else if d.split('.').any(|lab| {
        lab.is_empty()
            || lab.starts_with('-')
            || lab.ends_with('-')
            || lab.chars().any(|c| c.is_ascii() && !(c.is_ascii_alphanumeric() || c == '-'))
    }) {
        problems.push(format!("domain `{d}` has an empty or invalid label"));
    }
    problems
}

/// [`Chars::address_class`] bit: the byte may not be in an ASCII-clean address.
pub(super) const NOT_IN_ADDRESS: u8 = 1;
/// [`Chars::address_class`] bit: an ASCII letter or digit that is not in the set (always allowed).
pub(super) const PLAIN: u8 = 2;

/// Whether no byte of `b` is [`NOT_IN_ADDRESS`].
fn clean_ascii(b: &[u8], class: &[u8; 256]) -> bool {
    b.iter().all(|&c| class[usize::from(c)] & NOT_IN_ADDRESS == 0)
}

/// `clean_ascii(b) && plain_smtp_form(b)` in one pass over the bytes: letters and digits (most bytes
/// of an address) pass on one table lookup; the others are tested as [`plain_smtp_form`] tests them.
fn clean_plain_smtp(b: &[u8], class: &[u8; 256]) -> bool {
    let Some(at) = memchr::memchr(b'@', b) else { return false };
    if class[usize::from(b'@')] & NOT_IN_ADDRESS != 0 {
        return false;
    }
    let (l, d) = (&b[..at], &b[at + 1..]);
    let (Some(&first), Some(&last)) = (l.first(), l.last()) else { return false };
    if first == b'.' || last == b'.' {
        return false;
    }
    let mut prev = 0;
    for &c in l {
        let k = class[usize::from(c)];
        if k & PLAIN == 0 && (k & NOT_IN_ADDRESS != 0 || c == b':' || (c == b'.' && prev == b'.')) {
            return false;
        }
        prev = c;
    }
    let (mut labels, mut prev) = (1, b'.');
    for &c in d {
        let k = class[usize::from(c)];
        if k & PLAIN == 0 {
            match c {
                _ if k & NOT_IN_ADDRESS != 0 => return false,
                b'.' if prev == b'.' || prev == b'-' => return false,
                b'.' => labels += 1,
                b'-' if prev == b'.' => return false,
                b'-' => {}
                _ => return false,
            }
        }
        prev = c;
    }
    prev != b'.' && prev != b'-' && labels >= 2
}

/// Whether an ASCII address has a form [`form_problems`] finds nothing wrong with: one `@`, no `:`, a
/// local part that neither begins nor ends with `.` nor holds `..`, and two or more domain labels of
/// letters, digits and inner `-`. The tests' reference for the form half of [`clean_plain_smtp`]
/// (which it was before the byte check was fused into it).
#[cfg(test)]
fn plain_smtp_form(b: &[u8]) -> bool {
    let Some(at) = memchr::memchr(b'@', b) else { return false };
    let (l, d) = (&b[..at], &b[at + 1..]);
    let (Some(&first), Some(&last)) = (l.first(), l.last()) else { return false };
    if first == b'.' || last == b'.' {
        return false;
    }
    let mut prev = 0;
    for &c in l {
        if c == b':' || (c == b'.' && prev == b'.') {
            return false;
        }
        prev = c;
    }
    // Domain: labels split by `.`, each non-empty, of letters, digits and `-` not at either end.
    let (mut labels, mut prev) = (1, b'.');
    for &c in d {
        match c {
            b'.' if prev == b'.' || prev == b'-' => return false,
            b'.' => labels += 1,
            b'-' if prev == b'.' => return false,
            b'-' => {}
            _ if !c.is_ascii_alphanumeric() => return false,
            _ => {}
        }
        prev = c;
    }
    prev != b'.' && prev != b'-' && labels >= 2
}

/// Builds the proposed value of an attribute: transliterates non-ASCII, drops invalid characters and
/// fixes the form, in one go (so every finding on one attribute proposes the same value).
pub(super) struct Fixer<'a> {
    pub(super) p: &'a Params,
    /// Replacement for an unusable UPN suffix.
    pub(super) suffix: Option<String>,
}

impl Fixer<'_> {
    /// A UPN username: allowed characters only, no bad leading/trailing characters, no `..`.
    pub(super) fn upn_local(&self, l: &str) -> String {
        let mut s: String = translit_compact(l)
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || (self.p.upn_allowed.contains(*c)))
            .collect();
        while s.contains("..") {
            s = s.replace("..", ".");
        }
        let s = s.trim_start_matches(|c| self.p.upn_bad_leading.contains(c));
        let s = s.trim_end_matches(|c| self.p.upn_bad_endings.contains(c));
        s.chars().take(self.p.upn_max_user).collect()
    }

    pub(super) fn domain(&self, d: &str) -> String {
        if let Some(s) = &self.suffix {
            return s.clone();
        }
        let d: String =
            translit_compact(d).chars().filter(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-').collect();
        let mut d = d.trim_matches('.').to_string();
        while d.contains("..") {
            d = d.replace("..", ".");
        }
        d
    }

    pub(super) fn upn(&self, upn: &str) -> String {
        let (l, d) = match upn.rsplit_once('@') {
            Some((l, d)) => (l, d),
            None => (upn, ""),
        };
        let local = self.upn_local(l);
        let dom = self.domain(d);
        let mut out = if dom.is_empty() { local } else { format!("{local}@{dom}") };
        if out.chars().count() > self.p.upn_max {
            let keep = self.p.upn_max.saturating_sub(dom.chars().count() + 1);
            out = format!("{}@{dom}", out.chars().take(keep).collect::<String>());
        }
        out
    }

    /// An SMTP address: transliterated, whitespace and `invalid` removed, extra `@`/`:` removed,
    /// dots at the ends of the local part removed.
    pub(super) fn address(&self, a: &str, invalid: &str) -> String {
        let t: String = translit_compact(a)
            .chars()
            .filter(|c| !c.is_whitespace() && !c.is_control() && !invalid.contains(*c) && *c != ':')
            .collect();
        let Some((l, d)) = t.rsplit_once('@') else { return t };
        let mut l: String = l.replace('@', "");
        while l.contains("..") {
            l = l.replace("..", ".");
        }
        format!("{}@{}", l.trim_matches('.'), self.domain(d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-pass form check accepts exactly what the general one finds nothing wrong with, on
    /// every string of up to seven characters from an alphabet of the bytes that matter.
    #[test]
    fn plain_form_agrees_with_the_general_check() {
        let alphabet = b"a.@-:1";
        let mut n = 0;
        for len in 0..=7usize {
            for mut k in 0..alphabet.len().pow(len as u32) {
                let mut s = String::with_capacity(len);
                for _ in 0..len {
                    s.push(alphabet[k % alphabet.len()] as char);
                    k /= alphabet.len();
                }
                assert_eq!(plain_smtp_form(s.as_bytes()), form_problems(&s).is_empty(), "{s:?}");
                n += 1;
            }
        }
        assert!(n > 300_000);
        for s in ["a.b@contoso.com", "o'brien@contoso.com", "a@b.c", "x@-a.com", "x@a-.com", "x@a..com", "a@b@c.com"] {
            assert_eq!(plain_smtp_form(s.as_bytes()), form_problems(s).is_empty(), "{s:?}");
        }
    }

    /// The fused pass answers as the byte check and the form check one after the other, on every
    /// string of up to six bytes from an alphabet with the form's bytes, a letter and a digit of the
    /// invalid set, other invalid, control, space and non-ASCII bytes.
    #[test]
    fn fused_pass_agrees_with_the_two_checks() {
        let alphabet: &[u8] = b"a.@-:1q7< \x01\xc3";
        let mut n = 0;
        // With letters, a digit and `-` in the set, and without.
        for invalid in [Chars::new("<>();,[]\"q7-"), Chars::new("<>();,[]\"")] {
            let class = &invalid.address_class;
            for len in 0..=6usize {
                for mut k in 0..alphabet.len().pow(len as u32) {
                    let mut s = Vec::with_capacity(len);
                    for _ in 0..len {
                        s.push(alphabet[k % alphabet.len()]);
                        k /= alphabet.len();
                    }
                    let want = clean_ascii(&s, class) && plain_smtp_form(&s);
                    assert_eq!(clean_plain_smtp(&s, class), want, "{s:?}");
                    n += 1;
                }
            }
        }
        assert!(n > 4_000_000);
        let plain = Chars::new("<>();,[]\"");
        for s in ["ann.lee@contoso.com", "a@b.c", "x@a-b.co.uk", "x@a-.com", "a..b@contoso.com", "q@7.com"] {
            let want = clean_ascii(s.as_bytes(), &plain.address_class) && plain_smtp_form(s.as_bytes());
            assert_eq!(clean_plain_smtp(s.as_bytes(), &plain.address_class), want, "{s:?}");
        }
    }
}
