#!/usr/bin/env bash
# Puts Prometheus's promtool at .tools/prometheus/usr/bin/promtool (unless one
# is on PATH already), for the alert rule tests in packages/deploy-check. It
# unpacks Debian's `prometheus` package instead of installing it: installing
# would start a Prometheus server on :9090, a port a live gateway uses.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[ensure-promtool] %s\n' "$*"; }

target=.tools/prometheus/usr/bin/promtool
if command -v promtool >/dev/null 2>&1; then log "using $(command -v promtool)"; exit 0; fi
if [ -x "$target" ]; then log "using $target"; exit 0; fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# apt-get download fetches into the current directory; it runs as _apt where
# it can, which cannot write into a root-owned mktemp directory.
chmod 777 "$work"
(cd "$work" && (apt-get download prometheus >/dev/null 2>&1 ||
  { apt-get update -qq && apt-get download prometheus >/dev/null; }))
deb=$(ls "$work"/prometheus_*.deb)
dpkg-deb -x "$deb" "$work/x"
mkdir -p "$(dirname "$target")"
cp "$work/x/usr/bin/promtool" "$target"
log "unpacked $("$target" --version 2>&1 | head -n1) from $(basename "$deb")"
