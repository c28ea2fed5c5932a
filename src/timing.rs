//! Stage timings for profiling at scale: below every stage, so that `ingest`, `rules` and `report`
//! can time themselves without importing [`crate::app`] (which imports them).

/// With `TENANTLINT_TIMINGS` set, prints how long a stage took on stderr (for profiling at scale).
pub fn timing(stage: &str, since: std::time::Instant) {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if *ON.get_or_init(|| std::env::var_os("TENANTLINT_TIMINGS").is_some()) {
        eprintln!("timing: {stage:<40} {:>8.3} s", since.elapsed().as_secs_f64());
    }
}
