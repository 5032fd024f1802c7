#[tokio::main]
async fn main() -> anyhow::Result<()> {
    ai_tracker::cli::run().await
}
