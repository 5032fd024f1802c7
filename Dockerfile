# The AI Tracker service: a release build on Debian, run as an unprivileged user.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin ai-tracker

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/ai-tracker --create-home ai-tracker
COPY --from=build /src/target/release/ai-tracker /usr/local/bin/ai-tracker
USER ai-tracker
WORKDIR /var/lib/ai-tracker
ENV AI_TRACKER_ADDR=0.0.0.0:8000
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD curl -fsS http://127.0.0.1:8000/readyz || exit 1
CMD ["ai-tracker", "serve"]
