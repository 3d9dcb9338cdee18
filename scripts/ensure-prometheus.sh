#!/usr/bin/env bash
# Puts Prometheus's `promtool` and `prometheus` in .tools/prometheus/usr/bin
# (unless both are on PATH already): promtool checks and unit-tests the alert
# rules (packages/deploy-check), prometheus scrapes a real gateway and
# evaluates them in an end-to-end test (packages/e2e). It unpacks Debian's
# `prometheus` package instead of installing it: installing would start a
# Prometheus server on :9090, a port a live gateway uses.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[ensure-prometheus] %s\n' "$*"; }

bin=.tools/prometheus/usr/bin
have() { command -v "$1" >/dev/null 2>&1 || [ -x "$bin/$1" ]; }
if have promtool && have prometheus; then
  log "promtool and prometheus found"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# apt-get download writes into the current directory as the _apt user where
# it can, which cannot write into a root-owned mktemp directory.
chmod 777 "$work"
(cd "$work" && (apt-get download prometheus >/dev/null 2>&1 ||
  { apt-get update -qq && apt-get download prometheus >/dev/null; }))
deb=$(ls "$work"/prometheus_*.deb)
dpkg-deb -x "$deb" "$work/x"
mkdir -p "$bin"
cp "$work/x/usr/bin/promtool" "$work/x/usr/bin/prometheus" "$bin/"
log "unpacked $("$bin/prometheus" --version 2>&1 | head -n1) from $(basename "$deb")"
