//! Stage timings for profiling at scale: below every stage, so that `ingest`, `rules` and `report`
//! can time themselves without importing [`crate::app`] (which imports them).

/// With `TENANTLINT_TIMINGS` set, prints how long a stage took on stderr (for profiling at scale).
pub fn timing(stage: &str, since: std::time::Instant) {
    if on() {
        eprintln!("timing: {stage:<40} {:>8.3} s  (process cpu {})", since.elapsed().as_secs_f64(), cpu_so_far());
    }
}

/// The process's user + system CPU time so far (Linux: `/proc/self/stat`, 10 ms ticks), so that the
/// difference between two stage lines shows how many cores a stage kept busy, then the system time
/// and the minor page faults so far (kernel time is mostly faulting in fresh memory, and at 10M
/// objects the page cache being reclaimed for it); "?" elsewhere.
fn cpu_so_far() -> String {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses and may hold spaces): utime is the
    // 12th and stime the 13th.
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    // minflt is the 10th field of the line, the 8th after the command name.
    let field = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok());
    match (field(11), field(12), field(7)) {
        (Some(user), Some(system), Some(faults)) => format!(
            "{:.2} s, system {:.2} s, {} k faults",
            (user + system) as f64 / 100.0,
            system as f64 / 100.0,
            faults / 1000
        ),
        _ => "?".to_string(),
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
