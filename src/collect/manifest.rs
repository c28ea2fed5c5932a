//! `collection.json`, written by the cloud collectors: its types and reader live with the other
//! readers in [`crate::ingest::collection`] (collection writes what ingest reads, never the reverse).

pub use crate::ingest::collection::*;
