//! A fast, non-cryptographic hasher for the large in-memory indexes (millions of addresses, anchors
//! and ids). The standard SipHash resists hash flooding, which an offline audit of exports does not
//! need, and costs several times more per key. Word-at-a-time multiply-rotate mixing with a final
//! avalanche (hashbrown uses the top bits of the hash, so they must depend on every input byte).

use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` with [`FastHasher`].
pub type FastMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<FastHasher>>;
/// A `HashSet` with [`FastHasher`].
pub type FastSet<K> = std::collections::HashSet<K, BuildHasherDefault<FastHasher>>;

/// The [`FastHasher`] hash of one value (for counting values by hash before keying maps by them).
pub fn hash_one<T: std::hash::Hash + ?Sized>(v: &T) -> u64 {
    use std::hash::BuildHasher;
    BuildHasherDefault::<FastHasher>::default().hash_one(v)
}

/// An empty [`FastMap`] with room for `n` entries.
pub fn map_with_capacity<K, V>(n: usize) -> FastMap<K, V> {
    FastMap::with_capacity_and_hasher(n, Default::default())
}

/// The groups of two or more items that share a value, from `(hash of the value, item)` keys,
/// without a map keyed by every value: the keys are sorted (in parallel) and only runs of one hash
/// are looked at. `value(item, hash)` gives the item's value with that hash; a run is split by the
/// actual value, so a 64-bit hash collision never joins two different values. Items are in
/// ascending order inside a group; groups come in hash order (sort them if order matters).
pub fn shared_groups<V: Ord>(mut keys: Vec<(u64, u32)>, value: impl Fn(u32, u64) -> Option<V>) -> Vec<(V, Vec<u32>)> {
    use rayon::slice::ParallelSliceMut as _;
    keys.par_sort_unstable();
    keys.dedup();
    let mut out = Vec::new();
    for run in keys.chunk_by(|a, b| a.0 == b.0).filter(|r| r.len() > 1) {
        let mut by_value: std::collections::BTreeMap<V, Vec<u32>> = std::collections::BTreeMap::new();
        for &(h, i) in run {
            if let Some(v) = value(i, h) {
                by_value.entry(v).or_default().push(i);
            }
        }
        out.extend(by_value.into_iter().filter(|(_, v)| v.len() > 1));
    }
    out
}

/// [`shared_groups`] without building each item's value: `same(a, b, hash)` says whether items `a`
/// and `b`, both keyed by `hash`, have the same value (each item is compared with the first item of
/// each class found so far in its run; a run almost always holds one class). Only runs of one hash
/// for which `worth(run)` holds are compared (a caller skips runs that could not matter to it).
/// Before a run is compared, `read_ahead(item)` is called for each of its items (its result is
/// discarded): it should read, without branching on it, the memory `same` will read — the items of a
/// run lie anywhere in the estate, so their cache misses then overlap instead of coming one after
/// the other inside `same` (at a million objects, 500,000 display names in runs of ~50 took 0.27 s
/// compared one by one). Groups of two or more, items ascending inside a group, in hash order.
pub fn shared_classes<T: Copy + Ord + Send>(
    mut keys: Vec<(u64, T)>,
    worth: impl Fn(&[(u64, T)]) -> bool,
    read_ahead: impl Fn(T) -> u64,
    same: impl Fn(T, T, u64) -> bool,
) -> Vec<Vec<T>> {
    use rayon::slice::ParallelSliceMut as _;
    keys.par_sort_unstable();
    keys.dedup();
    let mut out = Vec::new();
    for run in keys.chunk_by(|a, b| a.0 == b.0).filter(|r| r.len() > 1 && worth(r)) {
        let h = run[0].0;
        std::hint::black_box(run.iter().fold(0u64, |acc, &(_, i)| acc ^ read_ahead(i)));
        let mut classes: Vec<Vec<T>> = Vec::new();
        for &(_, i) in run {
            match classes.iter_mut().find(|c| same(c[0], i, h)) {
                Some(c) => c.push(i),
                None => classes.push(vec![i]),
            }
        }
        out.extend(classes.into_iter().filter(|c| c.len() > 1));
    }
    out
}

/// The [`FastHasher`] hash of `parts` lower-cased (`str::to_lowercase`) and joined, without
/// allocating for ASCII text: two lists of parts have the same hash when [`eq_lower`] holds part by
/// part.
pub fn hash_lower(parts: &[&str]) -> u64 {
    let mut h = FastHasher::default();
    for p in parts {
        write_lower(&mut h, p);
        h.write_u8(0xff); // never a byte of UTF-8: parts stay apart
    }
    h.finish()
}

/// The [`FastHasher`] hash of namespace `n` and `value` lower-cased (`str::to_lowercase`), without
/// allocating for ASCII text: equal when `n` is and [`eq_lower`] holds.
pub fn hash_lower_in(n: u32, value: &str) -> u64 {
    let mut h = FastHasher::default();
    h.write_u32(n);
    write_lower(&mut h, value);
    h.finish()
}

/// Writes `s` lower-cased (`str::to_lowercase`) into `h`, in 64-byte pieces: the same bytes for
/// any two strings with the same lower-cased form (ASCII lower-casing keeps the length).
fn write_lower(h: &mut FastHasher, s: &str) {
    fn write(h: &mut FastHasher, bytes: &[u8], ascii_lower: bool) {
        let mut buf = [0u8; 64];
        for chunk in bytes.chunks(64) {
            // Most values are lower case already: hashed in place, the same bytes in the same pieces.
            if !ascii_lower || !chunk.iter().any(u8::is_ascii_uppercase) {
                h.write(chunk);
                continue;
            }
            let b = &mut buf[..chunk.len()];
            b.copy_from_slice(chunk);
            b.make_ascii_lowercase();
            h.write(b);
        }
    }
    if s.is_ascii() {
        write(h, s.as_bytes(), true);
    } else {
        write(h, s.to_lowercase().as_bytes(), false);
    }
}

/// Whether `a` and `b` are equal once lower-cased (`str::to_lowercase`; ASCII compared in place).
pub fn eq_lower(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() { a.eq_ignore_ascii_case(b) } else { a.to_lowercase() == b.to_lowercase() }
}

const K: u64 = 0x9E37_79B9_7F4A_7C15;

/// See the module documentation.
#[derive(Clone, Copy, Debug, Default)]
pub struct FastHasher(u64);

impl FastHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(26) ^ word).wrapping_mul(K);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut buf = [0u8; 8];
            buf[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(buf) ^ ((rest.len() as u64) << 59));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i) | 0x100);
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 32)).wrapping_mul(0xD6E8_FEB8_6659_FD93);
        z ^ (z >> 32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, Hash};

    fn h<T: Hash + ?Sized>(v: &T) -> u64 {
        BuildHasherDefault::<FastHasher>::default().hash_one(v)
    }

    #[test]
    fn distinguishes_close_keys_and_spreads_top_bits() {
        assert_ne!(h("ann@contoso.com"), h("ann@contoso.con"));
        assert_ne!(h("a"), h("a\0"));
        assert_ne!(h(&(1u32, "x")), h(&(2u32, "x")));
        let tops: FastSet<u64> = (0..1000).map(|i| h(&format!("user{i}@contoso.com")) >> 57).collect();
        assert!(tops.len() > 100, "top 7 bits take many values: {}", tops.len());
        let m: FastMap<String, u32> = (0..10_000).map(|i| (format!("u{i}"), i)).collect();
        assert_eq!(m.get("u1234"), Some(&1234));
    }

    #[test]
    fn shared_groups_split_runs_by_value_and_drop_singletons() {
        let values = ["a", "b", "a", "c", "b", "a"];
        let keys: Vec<(u64, u32)> = values.iter().enumerate().map(|(i, v)| (hash_one(v), i as u32)).collect();
        let mut g = shared_groups(keys, |i, _| Some(values[i as usize]));
        g.sort();
        assert_eq!(g, [("a", vec![0, 2, 5]), ("b", vec![1, 4])]);
        // A forced collision: every value under one hash is still told apart.
        let keys: Vec<(u64, u32)> = (0..values.len() as u32).rev().map(|i| (7, i)).collect();
        let mut g = shared_groups(keys, |i, _| Some(values[i as usize]));
        g.sort();
        assert_eq!(g, [("a", vec![0, 2, 5]), ("b", vec![1, 4])]);
        assert!(shared_groups(vec![(1, 0), (1, 0)], |_, _| Some(1)).is_empty(), "one item twice is not shared");
    }

    #[test]
    fn shared_classes_agree_with_shared_groups() {
        let values = ["a", "b", "a", "c", "b", "a", "d", "d"];
        let same = |a: u32, b: u32, _| values[a as usize] == values[b as usize];
        for keys in [
            values.iter().enumerate().map(|(i, v)| (hash_one(v), i as u32)).collect::<Vec<_>>(),
            (0..values.len() as u32).rev().map(|i| (7, i)).chain([(7, 3)]).collect(), // one hash for all
        ] {
            let mut by_value: Vec<Vec<u32>> =
                shared_groups(keys.clone(), |i, _| Some(values[i as usize])).into_iter().map(|(_, g)| g).collect();
            let mut classes = shared_classes(keys, |_| true, |i| i.into(), same);
            by_value.sort();
            classes.sort();
            assert_eq!(classes, by_value);
            assert_eq!(classes, [vec![0, 2, 5], vec![1, 4], vec![6, 7]]);
        }
        let keys: Vec<(u64, u32)> = values.iter().enumerate().map(|(i, v)| (hash_one(v), i as u32)).collect();
        let only_a = shared_classes(keys, |run| values[run[0].1 as usize] == "a", |_| 0, same);
        assert_eq!(only_a, [vec![0, 2, 5]], "runs not worth comparing are left out");
    }

    #[test]
    fn lower_case_hash_and_equality_agree_with_to_lowercase() {
        let long = ("X".repeat(150), "x".repeat(150));
        // Pieces of 64 bytes, some lower case already (hashed in place) and some not (lower-cased first).
        let mixed = (format!("{}{}", "a".repeat(70), "B".repeat(70)), format!("{}{}", "A".repeat(70), "b".repeat(70)));
        let cases = [
            (mixed.0.as_str(), mixed.1.as_str()),
            (mixed.0.as_str(), long.1.as_str()),
            ("Adele Vance", "adele vance"),
            ("ÅSA", "åsa"),
            ("\u{212A}elvin", "kelvin"), // KELVIN SIGN lower-cases to ASCII k
            (long.0.as_str(), long.1.as_str()),
            ("Ann", "Anne"),
            ("straße", "STRASSE"), // upper-casing ß is not lower-casing: different
        ];
        for (a, b) in cases {
            let same = a.to_lowercase() == b.to_lowercase();
            assert_eq!(eq_lower(a, b), same, "{a} / {b}");
            assert_eq!(hash_lower(&[a, "x"]) == hash_lower(&[b, "x"]), same, "{a} / {b}");
        }
        assert_ne!(hash_lower(&["ab", "c"]), hash_lower(&["a", "bc"]), "parts stay apart");
        for (a, b) in cases {
            let same = a.to_lowercase() == b.to_lowercase();
            assert_eq!(hash_lower_in(3, a) == hash_lower_in(3, b), same, "{a} / {b}");
        }
        assert_ne!(hash_lower_in(1, "a@x"), hash_lower_in(2, "a@x"), "namespaces stay apart");
    }
}
