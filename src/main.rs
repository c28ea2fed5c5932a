//! Command-line entry point; all logic lives in the library.

/// mimalloc instead of the system allocator: a scan makes tens of millions of small allocations from
/// several threads, where glibc's malloc spent a fifth of the run (see README, Performance).
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    tenantlint::app::main()
}
