# Multi-stage build for the four Minsheng services and the console. One image, five executables;
# docker-compose picks the executable per service.
FROM swift:6.2-bookworm AS builder
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends librdkafka-dev libsqlite3-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY Package.swift ./
COPY Shared ./Shared
COPY Services ./Services
COPY Tests ./Tests
RUN swift build -c release --static-swift-stdlib \
        --product minsheng-intake --product minsheng-classification \
        --product minsheng-dispatch --product minsheng-notification --product minsheng-console \
    && mkdir /staging \
    && cp "$(swift build -c release --show-bin-path)"/minsheng-* /staging/ \
    && cp -R "$(swift build -c release --show-bin-path)"/minsheng_MinshengConsole.resources /staging/

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
