//! Command-line entry point; all logic lives in the library.

/// mimalloc instead of the system allocator: a scan makes tens of millions of small allocations from
/// several threads, where glibc's malloc spent a fifth of the run (see README, Performance).
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's settings for a scan, each unless the user set its `MIMALLOC_*` variable: while the
/// inputs are read, return freed memory to the system at once (`purge_delay` 0: the read buffers are
/// large and a delay raised a 10M-object `--parse-only` peak by 2.1 GB), and after it within
/// [`PURGE_DELAY_AFTER_PARSE_MS`] (the rules free small temporary values by the million; purging each
/// emptied page at once cost ~0.7 s of a 1M-object scan in `madvise` and cross-core TLB flushes,
/// README Performance); commit arena memory as it is used
/// (`arena_eager_commit` 0) and no transparent huge pages (`allow_thp` 0, and the process's
/// `PR_SET_THP_DISABLE` flag as mimalloc sets it for that option). Measured on a
/// million-object estate: peak memory −17 % for a full scan and −25 % for `--parse-only`, and less
/// kernel time (README, Performance). The numbers are positions in `mi_option_e` of the mimalloc
/// that `libmimalloc-sys` 0.1.49 builds (`c_src/mimalloc/v3/include/mimalloc.h`);
/// `tests/it/architecture.rs` fails when Cargo.lock moves to another version, so that they are
/// checked again.
#[cfg(not(feature = "system-allocator"))]
fn tune_allocator() {
    use std::ffi::{c_int, c_long};
    unsafe extern "C" {
        fn mi_option_set(option: c_int, value: c_long);
    }
    const ARENA_EAGER_COMMIT: c_int = 4;
    const PURGE_DELAY: c_int = 15;
    const ALLOW_THP: c_int = 43;
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        tenantlint::stages::set_after_parse(|| {
            // SAFETY: `mi_option_set` only stores the value; `purge_delay` takes a number.
            unsafe { mi_option_set(PURGE_DELAY, PURGE_DELAY_AFTER_PARSE_MS) };
        });
    }
    for (option, name) in [
        (PURGE_DELAY, "MIMALLOC_PURGE_DELAY"),
        (ARENA_EAGER_COMMIT, "MIMALLOC_ARENA_EAGER_COMMIT"),
        (ALLOW_THP, "MIMALLOC_ALLOW_THP"),
    ] {
        if std::env::var_os(name).is_none() {
            // SAFETY: `mi_option_set` only stores the value; every option above takes a number.
            unsafe { mi_option_set(option, 0) };
        }
    }
    // mimalloc read `allow_thp` when it started, before `main`: turn transparent huge pages off for
    // the process the way it would have (the first arena is already mapped; this covers it too).
    #[cfg(target_os = "linux")]
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
        unsafe extern "C" {
            fn prctl(option: c_int, ...) -> c_int;
        }
        const PR_SET_THP_DISABLE: c_int = 41;
        // SAFETY: PR_SET_THP_DISABLE takes one integer argument (and unused zeros); it only sets a
        // flag of this process. A failure (an old kernel) leaves huge pages on, which is harmless.
        unsafe {
            prctl(
                PR_SET_THP_DISABLE,
                1 as std::ffi::c_ulong,
                0 as std::ffi::c_ulong,
                0 as std::ffi::c_ulong,
                0 as std::ffi::c_ulong,
            )
        };
    }
}

/// mimalloc's `purge_delay` once the inputs are read (milliseconds; see [`tune_allocator`]).
#[cfg(not(feature = "system-allocator"))]
const PURGE_DELAY_AFTER_PARSE_MS: std::ffi::c_long = 10;

fn main() -> std::process::ExitCode {
    #[cfg(not(feature = "system-allocator"))]
    tune_allocator();
    tenantlint::app::main()
}
