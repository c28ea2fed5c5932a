//! The builder: records the truth (planted problems and near-misses) as the estate is built, and gives
//! each object its deterministic random stream.

use crate::accuracy::{NearMiss, Planted, Truth};
use crate::generate::Rng;
use uuid::Uuid;

/// The truth being recorded and the seed-derived offsets of the case cycles and names.
pub(super) struct Builder {
    pub(super) seed: u64,
    /// Seed-dependent offset into the case cycles (which user holds which case).
    pub(super) rotate: u64,
    /// Seed-dependent offset into the name combinations.
    pub(super) names: u64,
    pub(super) truth: Truth,
}

impl Builder {
    pub(super) fn plant(&mut self, id: String, category: &str, rules: &[&str], subjects: Vec<String>, note: &str) {
        self.truth.planted.push(Planted {
            id,
            category: category.into(),
            rules: rules.iter().map(|r| r.to_string()).collect(),
            subjects,
            note: note.into(),
        });
    }
    pub(super) fn near(
        &mut self,
        id: String,
        category: &str,
        must_not: &[&str],
        max: Option<&str>,
        subjects: Vec<String>,
        note: &str,
    ) {
        self.truth.near_misses.push(NearMiss {
            id,
            category: category.into(),
            subjects,
            must_not: must_not.iter().map(|r| r.to_string()).collect(),
            max_severity: max.map(String::from),
            note: note.into(),
        });
    }
    pub(super) fn rng(&self, stream: u64, i: u64) -> Rng {
        Rng::new(self.seed, 7_000 + stream, i)
    }
}

/// The id of object `i` of a random `stream`.
pub(super) fn cid(b: &Builder, stream: u64, i: u64) -> Uuid {
    b.rng(stream, i).guid()
}
