# cwsim in a container, for Kubernetes (deploy/k8s/): a Rust build stage, then a small
# Debian runtime image with the binary and the bundled scenarios.
#
#   docker build -t cwsim:0.1.0 .
#   docker run --rm cwsim:0.1.0 run /opt/cwsim/scenarios/default.toml --out /tmp/out
FROM rust:1.85-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY benches benches
RUN cargo build --release --locked --bin cwsim

FROM debian:bookworm-slim
COPY --from=build /src/target/release/cwsim /usr/local/bin/cwsim
COPY scenarios /opt/cwsim/scenarios
# An unprivileged user; the Jobs' fsGroup lets it write to the shared volume.
RUN useradd --uid 10001 --create-home cwsim
USER 10001
WORKDIR /home/cwsim
ENTRYPOINT ["cwsim"]
