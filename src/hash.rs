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
}
