# syntax=docker/dockerfile:1
# Faresight's image: one image for every role; the container's command names the role
# (`up`, `ingest`, `api`, `lake`, `realtime`, `etl`, `sql`). docs/deploy.md explains it.

# --- build: install every dependency, compile src/ to dist/ (npm's `prepare` runs
# scripts/build.mjs), then drop the dev dependencies and the sources.
FROM node:20-bookworm-slim AS build
WORKDIR /app
# Native modules (better-sqlite3, DuckDB) ship prebuilt binaries for linux-x64/arm64;
# the toolchain is here for a platform without one.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs scripts/build.mjs
COPY bin bin
COPY src src
RUN npm ci && test -f dist/.build-stamp
RUN npm prune --omit=dev && rm -rf src

# --- runtime: the compiled package only, an init process, a non-root user.
FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data && chown node:node /data
WORKDIR /app
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    FARESIGHT_DATA_DIR=/data \
    HEALTHCHECK_URL=http://127.0.0.1:8080/healthz
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/bin bin
COPY --from=build /app/dist dist
USER node
# ingest, API and Console, SQL endpoint, probes and metrics of lake/realtime/etl
EXPOSE 7070 8080 5439 9464
# The role's probe: `up` and `api` answer /healthz on 8080; set HEALTHCHECK_URL per role
# (compose.yaml does: ingest :7070/healthz, lake/realtime/etl :9464 with --metrics-port).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.HEALTHCHECK_URL).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# tini reaps children (forecast and SQL workers) and forwards SIGTERM, so a role drains
# and checkpoints within its 30 s before the container stops.
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--heap-growing-percent=50", "bin/faresight.mjs"]
CMD ["up"]
