// glibc's allocator spent about 40 % of the service's CPU on a catalog page (its free lists
// fragment under many small, short-lived allocations on several threads); mimalloc's
// thread-local pages make those cheap.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    return_freed_memory_soon();
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(ai_tracker::cli::run())
}

/// mimalloc keeps freed pages for 10 ms before giving them back to the system, which under a
/// burst of catalog pages put the resident set a few MB from the 64 MB the service is meant to
/// stay within. Giving them back at once (0 ms) kept it lower but cost a sixth of the CPU of a
/// page in the kernel (page faults and TLB shootdowns as the same memory was returned and taken
/// again); 2 ms keeps the resident set as low as 0 ms did at a third of that kernel time
/// (measured in bench/README.md).
const PURGE_DELAY_MS: std::ffi::c_long = 2;

fn return_freed_memory_soon() {
    // An operator's own setting wins: mimalloc reads MIMALLOC_PURGE_DELAY as it starts.
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // `mi_option_purge_delay` of mimalloc v2's `mi_option_t` (the bindings name no constant).
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: sets an allocator option before any other thread runs; options are plain
    // process-wide values that mimalloc reads as it purges.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, PURGE_DELAY_MS) }
}
