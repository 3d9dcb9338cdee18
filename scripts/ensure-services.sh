#!/usr/bin/env bash
# Starts the local PostgreSQL, Redis and RabbitMQ when one is down, with the
# commands this machine kind documents, and waits until each answers. Used by
# CI (.ci/run) and by `pnpm start`. Does nothing for a service that is up.
set -euo pipefail

log() { printf '[ensure-services] %s\n' "$*"; }

wait_for() { # name, timeout seconds, command...
  local name=$1 timeout=$2; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then log "$name did not come up within ${timeout}s"; return 1; fi
    sleep 1
  done
  log "$name is up"
}

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  log "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  wait_for PostgreSQL 60 pg_isready -h 127.0.0.1 -p 5432 -q
fi

if ! redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; then
  log "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for Redis 30 sh -c 'redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG'
fi

amqp_open() { bash -c 'exec 3<>/dev/tcp/127.0.0.1/5672' 2>/dev/null; }
if ! amqp_open; then
  if rabbitmq-diagnostics -q ping >/dev/null 2>&1; then
    # The Erlang node runs but the broker application is stopped (stop_app).
    log "starting the RabbitMQ application"
    rabbitmqctl -q start_app || true
  else
    log "starting RabbitMQ"
    rabbitmq-server -detached || true
    wait_for RabbitMQ 120 rabbitmqctl -q await_startup
  fi
fi
# The broker process can be up before the AMQP listener accepts connections.
wait_for "RabbitMQ AMQP port" 60 bash -c 'exec 3<>/dev/tcp/127.0.0.1/5672'
