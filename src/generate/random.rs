//! The deterministic random source: every object is derived from a hash of the seed, a stream and its
//! index, so the output is a pure function of `(objects, seed)` and can be written streaming.

/// SplitMix64: a tiny, fast, well-mixed hash used as a per-object random source.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A deterministic random stream for one object.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64, stream: u64, index: u64) -> Self {
        Rng(mix(seed ^ mix(stream.wrapping_mul(0xA24B_AED4_963E_E407) ^ mix(index))))
    }
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }
    /// True with probability `per_10k` / 10,000.
    pub(crate) fn chance(&mut self, per_10k: u64) -> bool {
        self.next() % 10_000 < per_10k
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub(crate) fn guid(&mut self) -> uuid::Uuid {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.next().to_le_bytes());
        b[8..].copy_from_slice(&self.next().to_le_bytes());
        uuid::Builder::from_random_bytes(b).into_uuid()
    }
}
