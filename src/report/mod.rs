//! Stage 5 — reports.
