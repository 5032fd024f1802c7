//! Tuning of mimalloc, the binary's global allocator (see `main.rs`). The library and its tests
//! run under the system allocator: there mimalloc holds nothing, and these calls change nothing
//! that matters.

/// `mi_option_purge_delay` of `mi_option_t`: 15 in the mimalloc that libmimalloc-sys 0.1.49
/// builds, v2 (2.3.2, `c_src/mimalloc/v2/include/mimalloc.h`) and v3 (3.3.2) alike. The
/// bindings name no constant for it; `purge_delay_is_the_option_it_names` checks the number
/// against the option's documented default.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// mimalloc keeps freed pages for 10 ms before giving them back to the system, which under a
/// burst of catalog pages put the resident set a few MB from the 64 MB the service is meant to
/// stay within. Giving them back at once (0 ms) kept it lower but cost a sixth of the CPU of a
/// page in the kernel (page faults and TLB shootdowns as the same memory was returned and taken
/// again); 2 ms keeps the resident set as low as 0 ms did at a third of that kernel time
/// (measured in bench/README.md).
const PURGE_DELAY_MS: std::ffi::c_long = 2;

/// Sets the purge delay, unless the operator set `MIMALLOC_PURGE_DELAY`. Call it first thing in
/// `main`, before any other thread runs.
pub fn return_freed_memory_soon() {
    // An operator's own setting wins: mimalloc reads MIMALLOC_PURGE_DELAY as it starts.
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: sets an allocator option before any other thread runs; options are plain
    // process-wide values that mimalloc reads as it purges.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) }
}

/// Gives this thread's freed memory back to the system now. The allocator keeps freed memory for
/// a moment (see `return_freed_memory_soon`), but only a thread that allocates again notices the
/// moment has passed: a blocking-pool thread that sits idle after a large piece of work (argon2's
/// 19 MiB per hash) would keep it for long.
pub fn give_back_working_memory() {
    // SAFETY: `mi_collect` frees only what is no longer in use. Under another global allocator
    // (the tests) mimalloc holds nothing and it does nothing.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purge_delay_is_the_option_it_names() {
        // mimalloc's documented default purge delay is 10 ms; no neighbouring option defaults
        // to 10 (eager_commit_delay is 0 or 1, use_numa_nodes 0).
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            // SAFETY: reads a process-wide option.
            assert_eq!(unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) }, 10);
        }
        // SAFETY: reads a constant.
        let version = unsafe { libmimalloc_sys::mi_version() };
        assert_eq!(version / 10_000, 2, "the option number is v2's (mimalloc {version})");
    }
}
