//! End-to-end scans of the real third-party exports in ../shared/realdata (skipped when absent).
