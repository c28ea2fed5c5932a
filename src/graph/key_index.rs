//! [`KeyIndex`]: cloud objects by a key derived from each of them, in 13 bytes per object.
//!
//! The graph looks cloud objects up by ImmutableId, SID, UPN, primary address and object id. As hash
//! maps from owned key strings to vectors these tables cost ~80 bytes per object each (a key copy, a
//! vector, the table's slack): ~250 MB at a million objects. A `KeyIndex` keeps only each object's key
//! hash and index, sorted by hash (12 bytes), and where each range of hashes starts (one offset per
//! four objects); a lookup finds the run of its hash there and then checks each object's own key, so
//! two keys that happen to share a hash are never confused.

use crate::model::CloudObject;
use std::borrow::Cow;

/// Derives an object's key (`None`: the object has none and is not indexed).
pub type KeyFn = for<'a> fn(&'a CloudObject) -> Option<Cow<'a, str>>;

/// Cloud objects by a derived key (see the [module documentation](self)).
pub struct KeyIndex {
    /// Key hash and object of each indexed object, by ascending hash (objects ascending among equal
    /// hashes): the hash and the object a lookup reads are one memory access.
    entries: Vec<Entry>,
    /// Where the entries whose hash's top `bits` bits are `b` start (`starts[b]..starts[b + 1]`): a
    /// lookup reads two offsets and a few neighbouring entries instead of a binary search's ~20
    /// scattered reads.
    starts: Vec<u32>,
    bits: u32,
    key: KeyFn,
    /// Keys compared case-insensitively ([`KeyIndex::build_folded`]): hashed lower-cased, matched
    /// with [`crate::hash::eq_lower`], so no object's key is copied to be lower-cased.
    fold: bool,
}

/// One indexed object: 12 bytes (packed: an aligned `(u64, u32)` would take 16).
#[derive(Clone, Copy)]
#[repr(C, packed(4))]
struct Entry {
    hash: u64,
    id: u32,
}

impl Entry {
    fn hash(&self) -> u64 {
        self.hash
    }
    fn id(&self) -> u32 {
        self.id
    }
}

/// The objects a [`KeyIndex::get`] found, ascending: a slice (`&hits[..]`, `hits.iter()`).
#[derive(Debug)]
pub enum Hits {
    /// None, or one object (most keys are held once).
    Few(Option<u32>),
    /// Two or more.
    Many(Vec<u32>),
}

impl std::ops::Deref for Hits {
    type Target = [u32];
    fn deref(&self) -> &[u32] {
        match self {
            Hits::Few(one) => one.as_slice(),
            Hits::Many(v) => v,
        }
    }
}

impl Hits {
    /// The objects as a vector.
    pub fn into_owned(self) -> Vec<u32> {
        match self {
            Hits::Few(one) => one.into_iter().collect(),
            Hits::Many(v) => v,
        }
    }
}

impl std::fmt::Debug for KeyIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyIndex").field("objects", &self.entries.len()).finish()
    }
}

impl Default for KeyIndex {
    fn default() -> Self {
        KeyIndex { entries: Vec::new(), starts: Vec::new(), bits: 0, key: |_| None, fold: false }
    }
}

fn hash(key: &str) -> u64 {
    crate::hash::hash_one(key)
}

impl KeyIndex {
    /// Indexes `objects` by `key`, compared exactly.
    pub fn build(objects: &[CloudObject], key: KeyFn) -> Self {
        Self::build_with(objects, key, false)
    }

    /// Indexes `objects` by `key` compared case-insensitively (`str::to_lowercase`): `key` gives the
    /// value as held, and a lookup may give its key in any case (no lower-cased copy of a value is
    /// made, to build or to look up).
    pub fn build_folded(objects: &[CloudObject], key: KeyFn) -> Self {
        Self::build_with(objects, key, true)
    }

    fn build_with(objects: &[CloudObject], key: KeyFn, fold: bool) -> Self {
        let hash_of = |k: &str| if fold { crate::hash::hash_lower(&[k]) } else { hash(k) };
        // Room for every object at once (a filtered iterator gives no size; grown by doubling, the
        // vector was copied four or five times into fresh memory at a million objects).
        let mut pairs: Vec<(u64, u32)> = Vec::with_capacity(objects.len());
        pairs.extend(objects.iter().enumerate().filter_map(|(i, o)| key(o).map(|k| (hash_of(&k), i as u32))));
        // About four entries per bucket: the offsets take a quarter of the entries' count (cache
        // friendlier than one per entry) and a bucket's entries share one or two cache lines.
        let bits = (pairs.len().next_power_of_two().trailing_zeros().saturating_sub(2)).max(1);
        let mut starts = vec![0u32; (1usize << bits) + 1];
        for &(h, _) in &pairs {
            starts[Self::bucket(h, bits) + 1] += 1;
        }
        for b in 1..starts.len() {
            starts[b] += starts[b - 1];
        }
        // Sorted by (hash, object) without a comparison sort of every pair: each pair is placed in
        // its bucket (the bucket is the hash's top bits, so buckets are in hash order; objects arrive
        // ascending), then each bucket's few entries are sorted by hash, ties keeping their order.
        let mut next: Vec<u32> = starts[..starts.len() - 1].to_vec();
        let mut entries = vec![Entry { hash: 0, id: 0 }; pairs.len()];
        for &(hash, id) in &pairs {
            let slot = &mut next[Self::bucket(hash, bits)];
            entries[*slot as usize] = Entry { hash, id };
            *slot += 1;
        }
        for b in starts.windows(2) {
            let bucket = &mut entries[b[0] as usize..b[1] as usize];
            if bucket.len() > 1 {
                bucket.sort_by_key(Entry::hash);
            }
        }
        KeyIndex { entries, starts, bits, key, fold }
    }

    /// The hash a lookup of `key` starts from.
    fn hash_key(&self, key: &str) -> u64 {
        if self.fold { crate::hash::hash_lower(&[key]) } else { hash(key) }
    }

    fn bucket(h: u64, bits: u32) -> usize {
        (h >> (64 - bits)) as usize
    }

    /// The positions `lo..hi` of the entries in the bucket of hash `h`.
    fn bounds(&self, h: u64) -> (usize, usize) {
        if self.entries.is_empty() {
            return (0, 0);
        }
        let bucket = Self::bucket(h, self.bits);
        (self.starts[bucket] as usize, self.starts[bucket + 1] as usize)
    }

    /// Positions `a..b` of the entries whose hash is `h`.
    fn run(&self, h: u64) -> std::ops::Range<usize> {
        self.run_within(h, self.bounds(h))
    }

    /// [`KeyIndex::run`] in the bucket bounds [`KeyIndex::bounds`] gave for `h`.
    fn run_within(&self, h: u64, (lo, hi): (usize, usize)) -> std::ops::Range<usize> {
        let within = &self.entries[lo..hi];
        let a = lo + within.partition_point(|e| e.hash() < h);
        let b = a + self.entries[a..hi].partition_point(|e| e.hash() == h);
        a..b
    }

    /// The objects whose key is `key`, in ascending order (empty when none). `objects` must be the
    /// slice the index was built from.
    pub fn get(&self, objects: &[CloudObject], key: &str) -> Hits {
        self.hits(objects, self.run(self.hash_key(key)), key)
    }

    /// [`KeyIndex::get`] for many keys at once (`(index, key)` pairs; a key's hash is computed
    /// here): the same answers, in the same order. Each step is done for all keys before the next,
    /// so the memory reads of different keys (bucket, entries, candidate objects: most of them cache
    /// misses in a large index) overlap instead of each waiting for the one before.
    pub fn get_many(objects: &[CloudObject], probes: &[(&KeyIndex, &str)]) -> Vec<Hits> {
        let hashes: Vec<u64> = probes.iter().map(|(idx, key)| idx.hash_key(key)).collect();
        // Each step reads memory for all keys without branching on what it read (a mispredicted
        // branch would discard the reads in flight behind it): the bucket bounds, then each
        // bucket's first entry, then (now cached) the runs. (Reading the candidates' keys in a
        // step of their own was slower: deriving a key branches on its text.)
        let bounds: Vec<(usize, usize)> = probes.iter().zip(&hashes).map(|((idx, _), &h)| idx.bounds(h)).collect();
        let mut touched = 0u64;
        for ((idx, _), &(lo, _)) in probes.iter().zip(&bounds) {
            touched ^= idx.entries.get(lo).map_or(0, Entry::hash);
        }
        std::hint::black_box(touched);
        let runs: Vec<std::ops::Range<usize>> = probes
            .iter()
            .zip(hashes.iter().zip(&bounds))
            .map(|((idx, _), (&h, &bounds))| idx.run_within(h, bounds))
            .collect();
        probes.iter().zip(runs).map(|((idx, key), run)| idx.hits(objects, run, key)).collect()
    }

    /// The objects of entries `run` (one hash) whose own key is `key`.
    fn hits(&self, objects: &[CloudObject], run: std::ops::Range<usize>, key: &str) -> Hits {
        let run = &self.entries[run];
        let has_key = |c: u32| match (self.key)(&objects[c as usize]) {
            Some(k) if self.fold => crate::hash::eq_lower(&k, key),
            k => k.as_deref() == Some(key),
        };
        match run {
            [] => Hits::Few(None),
            [one] => Hits::Few(Some(one.id()).filter(|&c| has_key(c))),
            _ => Hits::Many(run.iter().map(Entry::id).filter(|&c| has_key(c)).collect()),
        }
    }

    /// Every key held by more than one object, with its objects (ascending), in no particular order.
    pub fn shared<'a>(&self, objects: &'a [CloudObject]) -> Vec<(Cow<'a, str>, Vec<u32>)> {
        let mut out = Vec::new();
        for run in self.entries.chunk_by(|a, b| a.hash() == b.hash()).filter(|r| r.len() > 1) {
            // Group the run by the objects' own keys (distinct keys may share a hash).
            let folded = |k: Cow<'a, str>| match k {
                Cow::Borrowed(b) if self.fold => lower(b),
                Cow::Owned(o) if self.fold => Cow::Owned(o.to_lowercase()),
                k => k,
            };
            let mut keyed: Vec<(Cow<'a, str>, u32)> =
                run.iter().filter_map(|e| (self.key)(&objects[e.id() as usize]).map(|k| (folded(k), e.id()))).collect();
            keyed.sort();
            for same in keyed.chunk_by(|x, y| x.0 == y.0).filter(|g| g.len() > 1) {
                out.push((same[0].0.clone(), same.iter().map(|x| x.1).collect()));
            }
        }
        out
    }

    /// Number of objects indexed.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no object is indexed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
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
        let probes: Vec<String> = (0..2_100).rev().map(|i| format!("user{i}@contoso.com")).collect();
        let pairs: Vec<(&KeyIndex, &str)> = probes.iter().map(|p| (&idx, p.as_str())).collect();
        let many = KeyIndex::get_many(&objects, &pairs);
        assert_eq!(many.len(), probes.len());
        for (p, hits) in probes.iter().zip(many) {
            assert_eq!(hits.into_owned(), idx.get(&objects, p).into_owned(), "{p}");
        }
    }

    #[test]
    fn a_folded_index_answers_as_one_built_on_lower_cased_keys() {
        fn as_held(o: &CloudObject) -> Option<Cow<'_, str>> {
            o.upn.as_deref().filter(|u| !u.is_empty()).map(Cow::Borrowed)
        }
        // Upper, lower and mixed case, non-ASCII (`Å`, `İ`, final sigma), held once or several times.
        let names = ["Ann@Contoso.com", "ann@contoso.com", "ANN@CONTOSO.COM", "Åsa@Fabrikam.com", "åsa@fabrikam.com"];
        let more = ["İpek@contoso.com", "ΟΔΥΣΣΕΥΣ@contoso.com", "", "bob@contoso.com"];
        let objects: Vec<CloudObject> = names
            .iter()
            .chain(&more)
            .map(|n| object(n))
            .chain((0..1_500).map(|i| object(&format!("User{}@Contoso.com", i % 900))))
            .collect();
        let folded = KeyIndex::build_folded(&objects, as_held);
        let lowered = KeyIndex::build(&objects, by_upn);
        assert_eq!(folded.len(), lowered.len());
        let probes: Vec<String> = objects
            .iter()
            .filter_map(|o| o.upn.as_deref().map(|u| lower(u).into_owned()))
            .chain(["carol@contoso.com".to_string(), "user950@contoso.com".to_string()])
            .collect();
        for p in &probes {
            assert_eq!(folded.get(&objects, p).into_owned(), lowered.get(&objects, p).into_owned(), "{p}");
        }
        assert_eq!(&*folded.get(&objects, "ann@contoso.com"), &[0, 1, 2]);
        assert_eq!(&*folded.get(&objects, "aNN@contoso.COM"), &[0, 1, 2], "a key in any case");
        assert_eq!(&*folded.get(&objects, "ÅSA@fabrikam.com"), &[3, 4]);
        assert_eq!(&*folded.get(&objects, "åsa@fabrikam.com"), &[3, 4]);
        let pairs: Vec<(&KeyIndex, &str)> = probes.iter().map(|p| (&folded, p.as_str())).collect();
        for (p, hits) in probes.iter().zip(KeyIndex::get_many(&objects, &pairs)) {
            assert_eq!(hits.into_owned(), lowered.get(&objects, p).into_owned(), "{p}");
        }
        let (mut a, mut b) = (folded.shared(&objects), lowered.shared(&objects));
        a.sort();
        b.sort();
        assert!(a.iter().any(|(k, v)| k == "ann@contoso.com" && v == &[0, 1, 2]), "{a:?}");
        assert_eq!(a, b);
    }

    #[test]
    fn entries_are_ordered_by_hash_then_object_and_buckets_point_at_them() {
        // Many keys, some held several times, so buckets of several entries and runs of one hash.
        let objects: Vec<CloudObject> = (0..5_000).map(|i| object(&format!("user{}@contoso.com", i % 3_001))).collect();
        let idx = KeyIndex::build(&objects, by_upn);
        let mut expected: Vec<(u64, u32)> =
            objects.iter().enumerate().filter_map(|(i, o)| by_upn(o).map(|k| (hash(&k), i as u32))).collect();
        expected.sort_unstable();
        let got: Vec<(u64, u32)> = idx.entries.iter().map(|e| (e.hash(), e.id())).collect();
        assert_eq!(got, expected);
        for (b, w) in idx.starts.windows(2).enumerate() {
            for e in &idx.entries[w[0] as usize..w[1] as usize] {
                assert_eq!(KeyIndex::bucket(e.hash(), idx.bits), b);
            }
        }
        assert_eq!(*idx.starts.last().unwrap() as usize, idx.entries.len());
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
        // A run of one entry is checked too.
        let mut one = KeyIndex::build(&forced[..1], by_upn);
        one.key = by_upn;
        assert_eq!(&*one.get(&forced[..1], "a@x"), &[0]);
        assert!(one.get(&objects[1..2], "a@x").is_empty(), "object 0 of this slice is b@x");
        assert!(idx.get(&objects, "c@x").is_empty(), "not under its own hash any more");
        let shared = idx.shared(&objects);
        assert_eq!(shared, vec![(Cow::Borrowed("a@x"), vec![0, 2])]);
    }
}
