//! Stage 3 — rules.
