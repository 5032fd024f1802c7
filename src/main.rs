// glibc's allocator spent about 40 % of the service's CPU on a catalog page (its free lists
// fragment under many small, short-lived allocations on several threads); mimalloc's
// thread-local pages make those cheap. Its tuning is in `ai_tracker::alloc`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The stack of each worker thread. Parsing a request's input recurses once per nesting level, and
/// the deepest input admitted (`max_input_depth`, 32) took between 1.75 and 2 MiB in a debug build
/// (`cargo run`), measured with `RUST_MIN_STACK` on `hostile_input::a_filter_within_the_input_depth_
/// reaches_the_filter_checks`: 24 KiB per nested `ModelFilter` on top of about 700 KiB of request
/// futures. Tokio's default, 2 MiB, left no margin, and an overflow aborts the whole process. Only
/// the pages touched are committed, so a larger stack costs address space, not memory. The tests
/// run the service on threads of the same size (`.cargo/config.toml`).
const SERVER_THREAD_STACK: usize = 8 * 1024 * 1024;

fn main() -> anyhow::Result<()> {
    ai_tracker::alloc::return_freed_memory_soon();
    tokio::runtime::Builder::new_multi_thread()
        .thread_stack_size(SERVER_THREAD_STACK)
        .enable_all()
        .build()?
        .block_on(ai_tracker::cli::run())
}
