//! tenantlint: audits how an organisation's identities are linked across on-premises Active
//! Directory and Microsoft cloud tenants.
//!
//! The crate is a pipeline; each stage is a module and no stage imports a later one:
//!
//! 1. [`ingest`] — find input files, detect each file's format from its content, parse it into
//!    [`model`] records tagged with their [`source`], attribute records to tenants and forests;
//! 2. [`graph`] — join the estate into one petgraph graph (anchors, matches, ownership);
//! 3. [`rules`] — detections over the model and the graph;
//! 4. [`findings`] — the findings, with severities, subjects and stable fingerprints;
//! 5. [`gate`] — the policy, exceptions and baseline applied to the findings, and the exit code;
//! 6. [`report`] — JSON (the machine contract), HTML, SARIF, JUnit, CSV and fix artifacts.
//!
//! [`accuracy`] generates a messy estate with ground truth and scores reports against it.
//!
//! [`collect`] reads a live directory over LDAP into an export the readers read back.
//!
//! [`init`] writes a starter `estate.toml`; [`manual`] generates shell completions and man pages.
//!
//! [`app`] wires the stages together for the command line ([`cli`]); [`timing`] (stage timings) sits
//! below every stage, so that no stage imports `app`.
#![warn(missing_docs)]

pub mod accuracy;
pub mod app;
pub mod cli;
pub mod collect;
pub mod findings;
pub mod gate;
pub mod generate;
pub mod graph;
pub mod hash;
pub mod ingest;
pub mod init;
pub mod manual;
pub mod model;
pub mod preview;
pub mod report;
pub mod rules;
pub mod source;
pub mod stages;
pub mod timing;
