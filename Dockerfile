# syntax=docker/dockerfile:1.7
#
# One image recipe for every deployable of the workspace:
#
#   docker build --build-arg SERVICE=edge-server -t smpp-gateway/edge-server:dev .
#
# SERVICE is one of: edge-server | router-worker | vendor-connector |
# dlr-tracker | admin-api | smsc-simulator | db (migrations).
#
# Stages: pruner (turbo prune: only SERVICE and the workspace packages it
# needs) → builder (frozen-lockfile install, tsc, `pnpm deploy --prod`) →
# runtime (node + tini + the deployed folder, non-root).

ARG NODE_IMAGE=node:20-bookworm-slim
# Declared before the first FROM so the last stage can pick `cmd-${SERVICE}`.
ARG SERVICE=edge-server

FROM ${NODE_IMAGE} AS base
ENV PNPM_HOME=/pnpm \
    PATH=/pnpm:$PATH \
    TURBO_TELEMETRY_DISABLED=1 \
    DO_NOT_TRACK=1 \
    CI=true
# Exact versions: the lockfile was written by this pnpm, and turbo's prune
# format is tied to its release.
RUN npm install -g pnpm@10.34.8 turbo@2.11.11 && npm cache clean --force
WORKDIR /repo

# ---- pruner: a minimal workspace for SERVICE ---------------------------------
FROM base AS pruner
ARG SERVICE
COPY . .
# Fails the build early on a misspelt SERVICE instead of producing an image
# whose CMD cannot start.
RUN case "${SERVICE}" in \
      edge-server|router-worker|vendor-connector|dlr-tracker|admin-api|smsc-simulator|db) ;; \
      *) echo "SERVICE must be one of edge-server router-worker vendor-connector dlr-tracker admin-api smsc-simulator db (got '${SERVICE}')" >&2; exit 1 ;; \
    esac \
 && turbo prune "@smpp-gateway/${SERVICE}" --docker --out-dir /pruned

# ---- builder: install, compile, deploy the production folder -----------------
FROM base AS builder
ARG SERVICE
# argon2 ships prebuilt N-API binaries for linux x64/arm64 (glibc), which
# node-gyp-build picks; the toolchain is only used on an architecture without
# a prebuild, so the image still builds there.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# Manifests and the pruned lockfile first: this layer (the slow install) is
# reused while only sources change.
COPY --from=pruner /pruned/json/ ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm install --frozen-lockfile --store-dir=/pnpm/store
COPY --from=pruner /pruned/full/ ./
# turbo prune copies the workspace packages but not the shared compiler
# settings every tsconfig extends.
COPY tsconfig.base.json ./
RUN turbo run build --filter="@smpp-gateway/${SERVICE}..."
# pnpm 10 deploys from the shared lockfile only with injected workspace
# packages; set for this command alone so the root .npmrc and the lockfile
# stay as the developers use them. The result is SERVICE's files plus a
# node_modules with production dependencies only (workspace packages copied,
# argon2's .node binary included).
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm --filter "@smpp-gateway/${SERVICE}" --store-dir=/pnpm/store \
      --config.inject-workspace-packages=true \
      deploy --prod /deploy \
 && test -d /deploy/dist \
 && rm -rf /deploy/src /deploy/test /deploy/bench /deploy/.turbo \
      /deploy/tsconfig.json /deploy/tsconfig.build.json /deploy/vitest.config.ts

# ---- runtime: what every deployable shares ------------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="smpp-gateway-${SERVICE}" \
      org.opencontainers.image.description="smpp-gateway ${SERVICE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/smpp-gateway/smpp-gateway" \
      org.opencontainers.image.documentation="docs/deploy.md"
# tini is PID 1: it forwards SIGTERM to node (whose ShutdownManager makes the
# pod unready, drains and exits) and reaps zombies. Node itself as PID 1
# gets no default signal dispositions from the kernel.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
# V8 grows its heap lazily: under a backlog vendor-connector peaked near
# 600 MB RSS and dlr-tracker near 390 MB uncapped, while with a 160 MB old
# space every service stays under the 256 MB RSS target (docs/performance.md).
# Keep it well under the container memory limit. An operator's NODE_OPTIONS
# (compose environment, the k8s ConfigMap) replaces this value entirely, so it
# must carry the flag too (docs/deploy.md). vendor-connector and dlr-tracker
# add a larger young generation in their own stages below.
ENV NODE_OPTIONS="--max-old-space-size=160"
WORKDIR /app
# Code and dependencies stay owned by root: the service (uid 1000) can read
# but not modify them, which pairs with a read-only root filesystem.
COPY --from=builder /deploy/ ./
# The image's own `node` user (uid/gid 1000).
USER node
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--"]

# ---- one small stage per deployable: its ports and its command ----------------
FROM runtime AS cmd-edge-server
EXPOSE 2775 2776 9090
CMD ["node", "dist/main.js"]

FROM runtime AS cmd-router-worker
EXPOSE 9090
CMD ["node", "dist/main.js"]

FROM runtime AS cmd-vendor-connector
# A 32 MB semi-space (young generation): each scavenge copies the messages in
# flight whatever its size, so fewer, larger ones cost about a tenth less CPU
# here under load, for ~30 MB more RSS (docs/deploy.md). Not on the other
# services: edge-server and router-worker used ≈ 10 % less CPU under overload
# with it but were slower at 1 000 msg/s (p95 +10–30 ms, docs/performance.md).
ENV NODE_OPTIONS="--max-old-space-size=160 --max-semi-space-size=32"
EXPOSE 9090
CMD ["node", "dist/main.js"]

FROM runtime AS cmd-dlr-tracker
# The same 32 MB semi-space as cmd-vendor-connector, for the same reason.
ENV NODE_OPTIONS="--max-old-space-size=160 --max-semi-space-size=32"
EXPOSE 9090
CMD ["node", "dist/main.js"]

FROM runtime AS cmd-admin-api
EXPOSE 8080
CMD ["node", "dist/main.js"]

FROM runtime AS cmd-smsc-simulator
# A container is reached from outside its loopback; the CLI's default is 127.0.0.1.
ENV SMSC_SIM_HOST=0.0.0.0
EXPOSE 2777 2778
CMD ["node", "dist/cli.js"]

# Runs `migrate up` by default; `docker run … node dist/cli/seed-demo.js` seeds
# the demo data, `node dist/cli/migrate.js status` lists migrations.
FROM runtime AS cmd-db
CMD ["node", "dist/cli/migrate.js", "up"]

# ---- the image: BuildKit builds only the stages this one needs ----------------
FROM cmd-${SERVICE} AS final
