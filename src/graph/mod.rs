//! Stage 2 — the estate graph.
