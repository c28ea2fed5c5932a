//! Shared JSON helpers (top-level shape, array elements with line numbers, case-insensitive keys).
