// glibc's allocator spent about 40 % of the service's CPU on a catalog page (its free lists
// fragment under many small, short-lived allocations on several threads); mimalloc's
// thread-local pages make those cheap. Its tuning is in `ai_tracker::alloc`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    ai_tracker::alloc::return_freed_memory_soon();
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(ai_tracker::cli::run())
}
