//! Stage timings for profiling at scale: below every stage, so that `ingest`, `rules` and `report`
//! can time themselves without importing [`crate::app`] (which imports them).

/// With `TENANTLINT_TIMINGS` set, prints how long a stage took on stderr (for profiling at scale).
pub fn timing(stage: &str, since: std::time::Instant) {
    if on() {
        eprintln!("timing: {stage:<40} {:>8.3} s", since.elapsed().as_secs_f64());
    }
}

/// With `TENANTLINT_TIMINGS` set, prints the line `text` builds (sizes, counts) on stderr.
pub fn note(text: impl FnOnce() -> String) {
    if on() {
        eprintln!("timing: {}", text());
    }
}

fn on() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("TENANTLINT_TIMINGS").is_some())
}
