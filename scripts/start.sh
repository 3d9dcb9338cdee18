#!/usr/bin/env bash
# `pnpm start`: from a fresh clone to a running gateway on this machine.
# Installs, builds, starts PostgreSQL/Redis/RabbitMQ if they are down, applies
# migrations, seeds the demo customer/vendor/route, then runs every service
# that exists (see README "Services") with interleaved, prefixed logs.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1

bash scripts/ensure-services.sh
if ! command -v pnpm >/dev/null 2>&1; then npm install -g pnpm@10.34.8; fi
pnpm install --frozen-lockfile
pnpm build

export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/smpp_gateway}
pnpm migrate up
pnpm seed:demo

# A self-signed certificate for the TLS port (2776), cert-manager layout.
if [ ! -f .run/tls/default/tls.crt ] && command -v openssl >/dev/null 2>&1; then
  mkdir -p .run/tls/default
  openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=localhost" \
    -keyout .run/tls/default/tls.key -out .run/tls/default/tls.crt >/dev/null 2>&1
fi

if [ -f scripts/devstack.mjs ]; then
  exec node scripts/devstack.mjs "$@"
fi
echo "Database migrated and demo data seeded; no services to run yet."
