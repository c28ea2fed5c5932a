//! [`KeyIndex`]: cloud objects by a key derived from each of them, in 12 bytes per object.
//!
//! The graph looks cloud objects up by ImmutableId, SID, UPN, primary address and object id. As hash
//! maps from owned key strings to vectors these tables cost ~80 bytes per object each (a key copy, a
//! vector, the table's slack): ~250 MB at a million objects. A `KeyIndex` keeps only each object's key
//! hash and index, sorted by hash; a lookup finds the run of its hash by binary search and then checks
//! each object's own key, so two keys that happen to share a hash are never confused.

use crate::model::CloudObject;
use std::borrow::Cow;

/// Derives an object's key (`None`: the object has none and is not indexed).
pub type KeyFn = for<'a> fn(&'a CloudObject) -> Option<Cow<'a, str>>;

/// Cloud objects by a derived key (see the [module documentation](self)).
pub struct KeyIndex {
    /// Key hash of each indexed object, ascending.
    hashes: Vec<u64>,
    /// The object of each hash; ascending among equal hashes.
    ids: Vec<u32>,
    /// Where the hashes whose top `bits` bits are `b` start (`starts[b]..starts[b + 1]`): a lookup
    /// reads two offsets and about one hash instead of a binary search's ~20 scattered reads.
    starts: Vec<u32>,
    bits: u32,
    key: KeyFn,
}

impl std::fmt::Debug for KeyIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyIndex").field("objects", &self.ids.len()).finish()
    }
}

impl Default for KeyIndex {
    fn default() -> Self {
        KeyIndex { hashes: Vec::new(), ids: Vec::new(), starts: Vec::new(), bits: 0, key: |_| None }
    }
}

fn hash(key: &str) -> u64 {
    crate::hash::hash_one(key)
}

impl KeyIndex {
    /// Indexes `objects` by `key`.
    pub fn build(objects: &[CloudObject], key: KeyFn) -> Self {
        let mut pairs: Vec<(u64, u32)> =
            objects.iter().enumerate().filter_map(|(i, o)| key(o).map(|k| (hash(&k), i as u32))).collect();
        pairs.sort_unstable();
        let (hashes, ids): (Vec<u64>, Vec<u32>) = pairs.into_iter().unzip();
        // About one hash per bucket: 2^bits >= the number of entries.
        let bits = hashes.len().next_power_of_two().trailing_zeros().max(1);
        let mut starts = vec![0u32; (1usize << bits) + 1];
        for &h in &hashes {
            starts[Self::bucket(h, bits) + 1] += 1;
        }
        for b in 1..starts.len() {
            starts[b] += starts[b - 1];
        }
        KeyIndex { hashes, ids, starts, bits, key }
    }

    fn bucket(h: u64, bits: u32) -> usize {
        (h >> (64 - bits)) as usize
    }

    /// Positions `a..b` of the entries whose hash is `h`.
    fn run(&self, h: u64) -> std::ops::Range<usize> {
        if self.hashes.is_empty() {
            return 0..0;
        }
        let bucket = Self::bucket(h, self.bits);
        let (lo, hi) = (self.starts[bucket] as usize, self.starts[bucket + 1] as usize);
        let within = &self.hashes[lo..hi];
        let a = lo + within.partition_point(|&x| x < h);
        let b = a + self.hashes[a..hi].partition_point(|&x| x == h);
        a..b
    }

    /// The objects whose key is `key`, in ascending order (empty when none). `objects` must be the
    /// slice the index was built from.
    pub fn get<'a>(&'a self, objects: &[CloudObject], key: &str) -> Cow<'a, [u32]> {
        let run = &self.ids[self.run(hash(key))];
        let has_key = |&c: &u32| (self.key)(&objects[c as usize]).as_deref() == Some(key);
        if run.iter().all(has_key) {
            Cow::Borrowed(run)
        } else {
            Cow::Owned(run.iter().copied().filter(has_key).collect())
        }
    }

    /// Every key held by more than one object, with its objects (ascending), in no particular order.
    pub fn shared<'a>(&self, objects: &'a [CloudObject]) -> Vec<(Cow<'a, str>, Vec<u32>)> {
        let mut out = Vec::new();
        let mut a = 0;
        while a < self.hashes.len() {
            let b = a + self.hashes[a..].partition_point(|&x| x == self.hashes[a]);
            if b - a > 1 {
                // Group the run by the objects' own keys (distinct keys may share a hash).
                let mut keyed: Vec<(Cow<'a, str>, u32)> =
                    self.ids[a..b].iter().filter_map(|&c| (self.key)(&objects[c as usize]).map(|k| (k, c))).collect();
                keyed.sort();
                let mut i = 0;
                while i < keyed.len() {
                    let j = i + keyed[i..].partition_point(|x| x.0 == keyed[i].0);
                    if j - i > 1 {
                        out.push((keyed[i].0.clone(), keyed[i..j].iter().map(|x| x.1).collect()));
                    }
                    i = j;
                }
            }
            a = b;
        }
        out
    }

    /// Number of objects indexed.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether no object is indexed.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// `s` lower-cased, borrowed when it has no upper-case letter.
pub fn lower(s: &str) -> Cow<'_, str> {
    if s.is_ascii() && !s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.to_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(upn: &str) -> CloudObject {
        CloudObject { upn: Some(upn.into()), ..Default::default() }
    }

    fn by_upn(o: &CloudObject) -> Option<Cow<'_, str>> {
        o.upn.as_deref().filter(|u| !u.is_empty()).map(lower)
    }

    #[test]
    fn finds_every_holder_of_a_key_and_nothing_else() {
        let objects: Vec<CloudObject> =
            ["Ann@Contoso.com", "bob@contoso.com", "ann@contoso.com", "", "Zoë@contoso.com"].map(object).into();
        let idx = KeyIndex::build(&objects, by_upn);
        assert_eq!(idx.len(), 4, "the empty UPN has no key");
        assert_eq!(&*idx.get(&objects, "ann@contoso.com"), &[0, 2]);
        assert_eq!(&*idx.get(&objects, "bob@contoso.com"), &[1]);
        assert_eq!(&*idx.get(&objects, "zoë@contoso.com"), &[4]);
        assert!(idx.get(&objects, "carol@contoso.com").is_empty());
        assert!(idx.get(&objects, "Ann@Contoso.com").is_empty(), "keys are looked up as derived");
        let shared = idx.shared(&objects);
        assert_eq!(shared, vec![(Cow::Borrowed("ann@contoso.com"), vec![0, 2])]);
    }

    #[test]
    fn every_lookup_agrees_with_a_scan_of_all_objects() {
        // Enough keys for many buckets, some held twice, some in upper case.
        let objects: Vec<CloudObject> = (0..2_000)
            .map(|i| {
                object(&if i % 7 == 0 { format!("User{}@Contoso.com", i / 2) } else { format!("user{i}@contoso.com") })
            })
            .collect();
        let idx = KeyIndex::build(&objects, by_upn);
        for probe in (0..2_100).map(|i| format!("user{i}@contoso.com")) {
            let expected: Vec<u32> = (0..objects.len() as u32)
                .filter(|&c| by_upn(&objects[c as usize]).as_deref() == Some(&*probe))
                .collect();
            assert_eq!(idx.get(&objects, &probe).into_owned(), expected, "{probe}");
        }
        assert!(KeyIndex::build(&[], by_upn).get(&[], "x").is_empty());
    }

    #[test]
    fn keys_that_share_a_hash_are_told_apart() {
        // Give every key the hash of `a@x`: the lookup must still check each object's own key.
        let objects: Vec<CloudObject> = ["a@x", "b@x", "a@x", "c@x"].map(object).into();
        let forced: Vec<CloudObject> = objects.iter().map(|_| object("a@x")).collect();
        let mut idx = KeyIndex::build(&forced, by_upn);
        idx.key = by_upn;
        assert_eq!(idx.run(hash("a@x")), 0..4);
        assert_eq!(idx.get(&objects, "a@x").into_owned(), vec![0, 2]);
        assert!(idx.get(&objects, "c@x").is_empty(), "not under its own hash any more");
        let shared = idx.shared(&objects);
        assert_eq!(shared, vec![(Cow::Borrowed("a@x"), vec![0, 2])]);
    }
}
