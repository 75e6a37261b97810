# Multi-stage build for the four Minsheng services, the console and minsheng-ctl. One image, six executables;
# docker-compose picks the executable per service (and runs minsheng-ctl for topics and lag).
FROM swift:6.2-bookworm AS builder
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends librdkafka-dev libsqlite3-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY Package.swift ./
COPY Shared ./Shared
COPY Services ./Services
COPY Tests ./Tests
# One `swift build` builds every product (SwiftPM honours only the last of several `--product`
# flags); the copy names each executable, so a missing one fails the build. scripts/check-image runs
# these lines outside Docker.
RUN swift build -c release --static-swift-stdlib \
    && bin="$(swift build -c release --static-swift-stdlib --show-bin-path)" \
    && mkdir /staging \
    && cp "$bin/minsheng-intake" "$bin/minsheng-classification" "$bin/minsheng-dispatch" \
          "$bin/minsheng-notification" "$bin/minsheng-ctl" "$bin/minsheng-console" /staging/ \
    && cp -R "$bin/minsheng_MinshengConsole.resources" /staging/

FROM debian:bookworm-slim
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        librdkafka1 libsqlite3-0 libcurl4 libxml2 tzdata ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 1000 --home /app minsheng
WORKDIR /app
COPY --from=builder /staging/ /usr/local/bin/
# The console's web files sit beside its executable (SwiftPM resources).
COPY deploy/config /app/config
ENV MINSHENG_CONFIG_DIR=/app/config
USER minsheng
