//! [`Text`], the string type of per-object attributes: 8 bytes, immutable, no allocation of its own.
//!
//! A million-object estate holds some twenty million attribute values. As `String`s (24 bytes plus one
//! heap allocation each, rounded up to the allocator's size class) they were most of a scan's memory.
//! A `Text` is one machine word:
//!
//! - values of up to 7 bytes (`Member`, `True`, employee numbers, short names) are stored in the word
//!   itself;
//! - longer values are copied once into an append-only arena of large blocks, one current block per
//!   thread (so the parallel readers never contend), and the word holds their address and length.
//!
//! Each thread keeps one current block per [`Column`]: the readers store the attributes that the
//! rules read in passes over every object (UPNs, addresses, DNs, names, object ids, anchors, SIDs) in
//! blocks of their own (see [`in_column`]), so that a pass over one attribute of a million objects
//! reads consecutive memory instead of one cache line every ~300 bytes (every other value of each
//! object in between). Measured at a million objects: lower-casing every cloud UPN in place took
//! 39–70 ms against 12–18 ms for the same strings laid out one after another.
//!
//! Arena blocks are never freed: a scan builds its estate once and the process ends after the reports
//! are written, so freeing them one by one would only cost time. A library caller that scans in a
//! loop keeps every value it ever read; [`arena_bytes`] tells how much that is.
//!
//! `Text` dereferences to `&str`, compares, orders and hashes as its string (so a `HashMap<Text, _>`
//! can be looked up with a `&str`), and serializes as a JSON string.

use std::borrow::{Borrow, Cow};
use std::cell::Cell;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::num::NonZeroU64;
use std::ops::Deref;
use std::sync::atomic::{AtomicUsize, Ordering};

/// An immutable attribute value (see the [module documentation](self)).
pub struct Text(NonZeroU64);

/// Set on an inline value; its length is in bits 56..59 and its bytes in the low seven bytes.
const INLINE: u64 = 1 << 63;
/// Longest value stored in the word itself (only on little-endian targets, where the low seven
/// bytes of the word are its first seven bytes in memory).
const INLINE_MAX: usize = if cfg!(target_endian = "little") { 7 } else { 0 };
/// Bits of an arena address (user-space addresses on x86-64 and AArch64 fit in 48 bits).
const ADDRESS_BITS: u32 = 48;
const ADDRESS_MASK: u64 = (1 << ADDRESS_BITS) - 1;
/// Length field value meaning "the address points to a [`Spilled`] record with the real length"
/// (a value of 32 KiB or more, or an address that does not fit in 48 bits).
const SPILLED: u64 = (1 << 15) - 1;

/// Where a value too long for the 15-bit length field (or at an address beyond 48 bits) lives.
#[repr(C)]
struct Spilled {
    ptr: *const u8,
    len: usize,
}

/// Size of one arena block. Values longer than a quarter of it get a block of their own.
const BLOCK: usize = 256 * 1024;

/// Which arena blocks a value is stored in (see the [module documentation](self)): values of one
/// column are stored one after another, apart from the other columns'.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Column {
    /// Everything not named below.
    Other = 0,
    /// User principal names.
    Upn,
    /// Mail and proxy addresses, mail nicknames, target addresses.
    Addresses,
    /// Distinguished names.
    Dn,
    /// Display names, given names, surnames, common names, SAM account names.
    Names,
    /// Directory object ids.
    Ids,
    /// Source anchors (ImmutableId).
    Anchors,
    /// Security identifiers (SIDs).
    Sids,
}

const COLUMNS: usize = 8;

thread_local! {
    /// The current block of each column of this thread: next free byte and bytes left.
    static CURRENT: [Cell<(*mut u8, usize)>; COLUMNS] =
        const { [const { Cell::new((std::ptr::null_mut(), 0)) }; COLUMNS] };
    /// The column [`Text::new`] stores in on this thread ([`in_column`]).
    static COLUMN: Cell<Column> = const { Cell::new(Column::Other) };
}

/// Runs `f` with the values it stores on this thread ([`Text::new`], [`Text::within`]) going to
/// `column`'s blocks; the column before is restored afterwards. Only where values are placed
/// changes: a value reads, compares and lives the same in any column.
#[inline]
pub fn in_column<R>(column: Column, f: impl FnOnce() -> R) -> R {
    struct Restore(Column);
    impl Drop for Restore {
        fn drop(&mut self) {
            COLUMN.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(COLUMN.with(|c| c.replace(column)));
    f()
}

static ARENA_BYTES: AtomicUsize = AtomicUsize::new(0);

/// Bytes reserved for the value arena so far by this process (all threads).
pub fn arena_bytes() -> usize {
    ARENA_BYTES.load(Ordering::Relaxed)
}

/// A fresh block of `size` bytes aligned to 8, never freed.
fn new_block(size: usize) -> *mut u8 {
    let layout = std::alloc::Layout::from_size_align(size, 8).expect("arena block size");
    // SAFETY: `size` is never zero (callers ask for at least one value's bytes or a whole block).
    let ptr = unsafe { std::alloc::alloc(layout) };
    if ptr.is_null() {
        std::alloc::handle_alloc_error(layout);
    }
    ARENA_BYTES.fetch_add(size, Ordering::Relaxed);
    ptr
}

/// Reserves `len` bytes aligned to `align` (a power of two up to 8) in this thread's arena, in the
/// current column's block.
fn reserve(len: usize, align: usize) -> *mut u8 {
    if len > BLOCK / 4 {
        return new_block(len.max(1));
    }
    let column = COLUMN.with(Cell::get) as usize;
    CURRENT.with(|blocks| {
        let current = &blocks[column];
        let (mut next, mut left) = current.get();
        let pad = if next.is_null() { 0 } else { next.addr().wrapping_neg() & (align - 1) };
        if next.is_null() || left < len + pad {
            next = new_block(BLOCK);
            left = BLOCK;
        } else {
            // SAFETY: `pad < left`, so the result stays inside the block.
            next = unsafe { next.add(pad) };
            left -= pad;
        }
        // SAFETY: `len <= left`: the value fits in the rest of the block.
        current.set((unsafe { next.add(len) }, left - len));
        next
    })
}

impl Text {
    /// The empty value.
    pub const EMPTY: Text = Text(match NonZeroU64::new(INLINE) {
        Some(v) => v,
        None => unreachable!(),
    });

    /// Stores `s` (inline or in this thread's arena).
    pub fn new(s: &str) -> Text {
        let bytes = s.as_bytes();
        let len = bytes.len();
        if len <= INLINE_MAX {
            let mut word = [0u8; 8];
            word[..len].copy_from_slice(bytes);
            let v = u64::from_le_bytes(word) | INLINE | ((len as u64) << 56);
            return Text(NonZeroU64::new(v).expect("inline tag is set"));
        }
        let ptr = reserve(len, 1);
        // SAFETY: `reserve` gave `len` writable bytes that nothing else refers to.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr, len) };
        let addr = ptr.expose_provenance() as u64;
        if (len as u64) < SPILLED && addr <= ADDRESS_MASK {
            return Text(NonZeroU64::new(addr | ((len as u64) << ADDRESS_BITS)).expect("arena address is not null"));
        }
        let record = reserve(std::mem::size_of::<Spilled>(), std::mem::align_of::<Spilled>()).cast::<Spilled>();
        // SAFETY: `reserve` gave an aligned, writable, unshared `Spilled`-sized place.
        unsafe { record.write(Spilled { ptr, len }) };
        let record_addr = record.expose_provenance() as u64;
        assert!(record_addr <= ADDRESS_MASK, "arena address beyond 48 bits");
        Text(NonZeroU64::new(record_addr | (SPILLED << ADDRESS_BITS)).expect("arena address is not null"))
    }

    /// A value that refers to `s` where it is (a name known at compile time): nothing is copied.
    pub fn from_static(s: &'static str) -> Text {
        let (addr, len) = (s.as_ptr().expose_provenance() as u64, s.len() as u64);
        if s.len() > INLINE_MAX && len < SPILLED && addr <= ADDRESS_MASK && addr != 0 {
            return Text(NonZeroU64::new(addr | (len << ADDRESS_BITS)).expect("address is not null"));
        }
        Text::new(s)
    }

    /// Like [`Text::new`], but a value this thread has stored through `interned` before is shared
    /// instead of copied again. For attributes with few distinct values and many objects (domain
    /// names, issuers, licence ids, sign-in types); each thread remembers up to 65,536 values.
    pub fn interned(s: &str) -> Text {
        if s.len() <= INLINE_MAX {
            return Text::new(s);
        }
        thread_local! {
            static SEEN: std::cell::RefCell<crate::hash::FastSet<Text>> = std::cell::RefCell::default();
        }
        SEEN.with(|seen| {
            let mut seen = seen.borrow_mut();
            if let Some(t) = seen.get(s) {
                return t.clone();
            }
            let t = Text::new(s);
            if seen.len() < 1 << 16 {
                seen.insert(t.clone());
            }
            t
        })
    }

    /// `s` stored as the part of this value where it occurs (nothing copied), or `None` when it does
    /// not occur in it (or is short enough to be stored inline anyway).
    pub fn part(&self, s: &str) -> Option<Text> {
        if s.len() <= INLINE_MAX || self.0.get() & INLINE != 0 {
            return None;
        }
        let whole = self.as_str();
        let at = find_short(whole.as_bytes(), s.as_bytes())?;
        // The part lies in arena (or static) memory that is never freed nor written again.
        let addr = whole.as_ptr().wrapping_add(at).expose_provenance() as u64;
        let len = s.len() as u64;
        (len < SPILLED && addr <= ADDRESS_MASK)
            .then(|| Text(NonZeroU64::new(addr | (len << ADDRESS_BITS)).expect("arena address is not null")))
    }

    /// Stores `s`, as the part of the first of `places` it occurs in when there is one: an object's
    /// values often repeat inside each other (the UPN in the primary proxy address, the name in the
    /// DN), and each repeat then costs nothing.
    pub fn within<'a>(s: &str, places: impl IntoIterator<Item = &'a Text>) -> Text {
        if s.len() > INLINE_MAX {
            for p in places {
                if let Some(t) = p.part(s) {
                    return t;
                }
            }
        }
        Text::new(s)
    }

    /// The value as a string slice.
    #[inline]
    pub fn as_str(&self) -> &str {
        let v = self.0.get();
        let bytes: &[u8] = if v & INLINE != 0 {
            let len = ((v >> 56) & 0x7) as usize;
            // SAFETY: on little-endian targets (the only ones that build inline values) the first
            // `len` bytes of the word in memory are the value's bytes.
            unsafe { std::slice::from_raw_parts((self as *const Text).cast::<u8>(), len) }
        } else {
            let addr = (v & ADDRESS_MASK) as usize;
            let len = v >> ADDRESS_BITS;
            if len == SPILLED {
                // SAFETY: `new` wrote a `Spilled` record at this arena address; arena memory is
                // never freed nor written again.
                let record = unsafe { &*std::ptr::with_exposed_provenance::<Spilled>(addr) };
                unsafe { std::slice::from_raw_parts(record.ptr, record.len) }
            } else {
                // SAFETY: `new` copied `len` bytes of a valid string to this arena address; arena
                // memory is never freed nor written again.
                unsafe { std::slice::from_raw_parts(std::ptr::with_exposed_provenance::<u8>(addr), len as usize) }
            }
        };
        // SAFETY: the bytes were copied from a `&str`.
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }
}

/// Where `needle` first occurs in `hay`: the candidates are where its first byte is (attribute values
/// are short, so this beats building a general substring searcher for each lookup).
fn find_short(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let last_start = hay.len().checked_sub(needle.len())?;
    memchr::memchr_iter(first, &hay[..=last_start]).find(|&i| &hay[i + 1..i + needle.len()] == rest)
}

// `Text` is `Send` and `Sync` as its one field is: it refers only to immutable memory that lives for
// the rest of the process (`values_from_other_threads_stay_readable` reads values made on other threads).

impl Clone for Text {
    #[inline]
    fn clone(&self) -> Text {
        Text(self.0)
    }
}

impl Default for Text {
    fn default() -> Text {
        Text::EMPTY
    }
}

impl Deref for Text {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<[u8]> for Text {
    fn as_ref(&self) -> &[u8] {
        self.as_str().as_bytes()
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl PartialEq for Text {
    #[inline]
    fn eq(&self, other: &Text) -> bool {
        self.0 == other.0 || self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Text) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Text) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for Text {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

macro_rules! eq_with {
    ($($other:ty),*) => {$(
        impl PartialEq<$other> for Text {
            fn eq(&self, other: &$other) -> bool {
                self.as_str() == AsRef::<str>::as_ref(other)
            }
        }
        impl PartialEq<Text> for $other {
            fn eq(&self, other: &Text) -> bool {
                AsRef::<str>::as_ref(self) == other.as_str()
            }
        }
    )*};
}
eq_with!(str, String);

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        *self == other.as_str()
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text::new(s)
    }
}

impl From<&String> for Text {
    fn from(s: &String) -> Text {
        Text::new(s)
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text::new(&s)
    }
}

impl From<Cow<'_, str>> for Text {
    fn from(s: Cow<'_, str>) -> Text {
        Text::new(&s)
    }
}

impl From<&Text> for Text {
    fn from(s: &Text) -> Text {
        s.clone()
    }
}

impl From<Text> for String {
    fn from(t: Text) -> String {
        t.as_str().to_owned()
    }
}

impl std::str::FromStr for Text {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Text, Self::Err> {
        Ok(Text::new(s))
    }
}

impl serde::Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Text, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text::new(v))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// `s.trim()`, answered from the first and last bytes when both are visible ASCII (`!`–`~`: nearly
/// every value of an export), which are then the first and last characters and no white space.
/// `str::trim` decodes characters from both ends to test them for Unicode white space: at every value
/// of a million-object estate that was ~a tenth of the CSV reader's instructions (and the rules trim
/// values again in their passes over every object).
#[inline]
pub fn trim(s: &str) -> &str {
    match s.as_bytes() {
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => s,
        [only] if only.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// [`trim`] as a method, for the hot paths of the readers and the rules (`value.trim_fast()` where
/// `value.trim()` was).
pub trait TrimFast {
    /// The value without leading and trailing white space, as [`str::trim`].
    fn trim_fast(&self) -> &str;
}

impl TrimFast for str {
    #[inline]
    fn trim_fast(&self) -> &str {
        trim(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_length_round_trips() {
        // Inline (0..=7), arena, the 15-bit length limit and a block of its own.
        for len in [0, 1, 6, 7, 8, 24, 25, 300, 32_766, 32_767, 32_768, 70_000, BLOCK + 3] {
            let s: String = (0..len).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
            let t = Text::from(s.as_str());
            assert_eq!(t.as_str(), s, "length {len}");
            assert_eq!(t.len(), len);
            assert_eq!(t.clone(), t);
        }
    }

    #[test]
    fn a_value_inside_another_is_stored_as_its_part() {
        let proxy = Text::from("SMTP:amara.kaur10@tailspintoys.com");
        let dn = Text::from("CN=Zoë Kaur (10),OU=Staff,DC=corp,DC=tailspintoys,DC=com");
        let upn = Text::within("amara.kaur10@tailspintoys.com", [&dn, &proxy]);
        let name = Text::within("Zoë Kaur (10)", [&proxy, &dn]);
        assert_eq!(upn.as_str(), "amara.kaur10@tailspintoys.com");
        assert_eq!(name.as_str(), "Zoë Kaur (10)");
        // Nothing copied: each points into the value it was found in.
        assert_eq!(upn.as_str().as_ptr().addr(), proxy.as_str().as_ptr().addr() + 5);
        assert_eq!(name.as_str().as_ptr().addr(), dn.as_str().as_ptr().addr() + 3);
        // Found nowhere, short, or inside a short value: stored as usual.
        assert_eq!(Text::within("someone.else@contoso.com", [&proxy, &dn]).as_str(), "someone.else@contoso.com");
        assert_eq!(Text::within("Kaur", [&dn]).as_str(), "Kaur");
        assert_eq!(Text::within("Kaur", [&Text::from("Kaur")]).as_str(), "Kaur");
        assert!(Text::from("abc").part("abc").is_none());
        // A part of a part, and of a value past the 15-bit length field.
        let domain = Text::within("tailspintoys.com", [&upn]);
        assert_eq!(domain.as_str(), "tailspintoys.com");
        let long: String = "x".repeat(40_000) + "needle-in-a-long-value";
        let long = Text::from(long.as_str());
        assert_eq!(Text::within("needle-in-a-long-value", [&long]).as_str(), "needle-in-a-long-value");
        assert_eq!(Text::within("", [&long]).as_str(), "");
    }

    #[test]
    fn short_search_finds_the_first_occurrence() {
        assert_eq!(find_short(b"aaab", b"aab"), Some(1));
        assert_eq!(find_short(b"abc", b"abc"), Some(0));
        assert_eq!(find_short(b"xxabc", b"abc"), Some(2));
        assert_eq!(find_short(b"ab", b"abc"), None);
        assert_eq!(find_short(b"abcabc", b"ca"), Some(2));
        assert_eq!(find_short(b"abc", b""), None);
        assert_eq!(find_short("zoë@x".as_bytes(), "ë@".as_bytes()), Some(2));
    }

    #[test]
    fn multibyte_and_nul_values_are_kept_exactly() {
        for s in ["Zoë", "é", "日本語テキスト", "a\0b", "\0", "Ünïcödé-Nämé@contoso.com"] {
            assert_eq!(Text::from(s).as_str(), s);
        }
    }

    #[test]
    fn compares_hashes_and_orders_as_its_string() {
        use std::collections::HashMap;
        let a = Text::from("alice@contoso.com");
        let b = Text::from(String::from("alice@contoso.com"));
        assert_eq!(a, b);
        assert_eq!(a, "alice@contoso.com");
        assert_ne!(Text::from("short"), Text::from("shorter"));
        let mut map = HashMap::new();
        map.insert(a.clone(), 1);
        assert_eq!(map.get("alice@contoso.com"), Some(&1));
        let mut v = [Text::from("b-long-value"), Text::from("a"), Text::from("ab"), Text::EMPTY];
        v.sort();
        assert_eq!(v.iter().map(Text::as_str).collect::<Vec<_>>(), ["", "a", "ab", "b-long-value"]);
        assert_eq!(std::mem::size_of::<Option<Text>>(), 8);
    }

    #[test]
    fn values_of_one_column_are_stored_one_after_another() {
        // A fresh thread: its blocks are its own, so the addresses below are only this test's.
        let thread = std::thread::spawn(|| {
            let start = |t: &Text| t.as_str().as_ptr() as usize;
            let mut upns = Vec::new();
            let mut others = Vec::new();
            for i in 0..100 {
                others.push(Text::from(format!("other value {i:03}")));
                upns.push(in_column(Column::Upn, || Text::from(format!("user{i:03}@contoso.com"))));
                // Nested: the inner column is used inside, the outer one again after it.
                let (dn, upn) = in_column(Column::Upn, || {
                    let dn = in_column(Column::Dn, || Text::from(format!("CN=user{i:03},DC=contoso,DC=com")));
                    (dn, Text::from(format!("second{i:03}@contoso.com")))
                });
                assert!(dn.starts_with("CN=user"));
                upns.push(upn);
                others.push(Text::from(format!("more other {i:03}")));
            }
            for w in upns.windows(2).chain(others.windows(2)) {
                assert_eq!(start(&w[1]), start(&w[0]) + w[0].len(), "{:?} follows {:?}", w[1], w[0]);
            }
            // Reads and compares as any value.
            assert_eq!(upns[0], "user000@contoso.com");
            assert_eq!(upns[1], "second000@contoso.com");
            assert_eq!(others[1], "more other 000");
            // Back in the default column once every `in_column` has returned.
            let (after, last) = (Text::from("after the columns"), &others[others.len() - 1]);
            assert_eq!(start(&after), start(last) + last.len());
        });
        assert!(thread.join().is_ok(), "the test thread panicked (its message is above)");
    }

    #[test]
    fn values_from_other_threads_stay_readable() {
        let made: Vec<Text> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|t| {
                    s.spawn(move || {
                        (0..5_000).map(|i| Text::from(format!("thread {t} value {i:05}"))).collect::<Vec<_>>()
                    })
                })
                .collect();
            handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
        });
        for (n, t) in made.iter().enumerate() {
            assert_eq!(t.as_str(), format!("thread {} value {:05}", n / 5_000, n % 5_000));
        }
    }

    #[test]
    fn static_and_interned_values_are_not_copied_again() {
        let name = Text::from_static("extensionAttribute15");
        assert_eq!(name, "extensionAttribute15");
        assert_eq!(name.as_ptr(), "extensionAttribute15".as_ptr(), "refers to the static text");
        let before = arena_bytes();
        let a = Text::interned("tailspintoys.onmicrosoft.com");
        let b = Text::interned(&String::from("tailspintoys.onmicrosoft.com"));
        assert_eq!(a, b);
        assert_eq!(a.as_ptr(), b.as_ptr(), "the second is the first");
        assert!(arena_bytes() - before <= BLOCK, "at most one new block");
        assert_eq!(Text::interned("short"), "short");
    }

    #[test]
    fn serializes_as_a_json_string() {
        let t = Text::from("CN=Zoë,OU=Staff,DC=contoso,DC=com");
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, "\"CN=Zoë,OU=Staff,DC=contoso,DC=com\"");
        let back: Text = serde_json::from_str(&json).unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn trim_is_str_trim() {
        let ends =
            ["", "a", "~", "!", " ", "\t", "\n", "\u{a0}", "\u{3000}", "\u{2003}", "é", "\u{85}", "\u{7f}", "\u{1}"];
        let middles = ["", "x", "a b", "é", "\u{a0}", "ann@contoso.com"];
        for a in ends {
            for m in middles {
                for z in ends {
                    let s = format!("{a}{m}{z}");
                    assert_eq!(super::trim(&s), s.trim(), "{s:?}");
                }
            }
        }
    }
}
