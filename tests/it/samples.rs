//! End-to-end scans of the bundled sample estates.
