# syntax=docker/dockerfile:1
#
# mission-control: one static-ish binary (libpq and SQLite are bundled), run as a non-root user.
#
#   docker build -t mission-control .
#   docker run --rm -p 8001:8001 mission-control            # SQLite in /app, seeded
#   docker compose up                                       # with PostgreSQL, see docker-compose.yml

# ---------------------------------------------------------------- build
FROM rust:1-bookworm AS builder
WORKDIR /src

# Everything the build needs (sources, migrations, the embedded web/ client); .dockerignore keeps
# target/, .git/ and node_modules/ out of the context.
COPY . .
RUN cargo build --release --locked \
 && install -D -m 0755 target/release/mission-control /out/mission-control

# ---------------------------------------------------------------- runtime
FROM debian:bookworm-slim AS runtime

RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 mc \
 && useradd --system --uid 10001 --gid mc --home-dir /app --no-create-home --shell /usr/sbin/nologin mc \
 && mkdir -p /app \
 && chown mc:mc /app

COPY --from=builder /out/mission-control /usr/local/bin/mission-control

WORKDIR /app
USER mc:mc

# Without DATABASE_URL the service uses sqlite://mission-control.db, i.e. /app/mission-control.db.
ENV BIND_ADDR=0.0.0.0:8001 \
    RUST_LOG=info
EXPOSE 8001

HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8001/health || exit 1

ENTRYPOINT ["mission-control"]
CMD ["serve", "--seed"]
