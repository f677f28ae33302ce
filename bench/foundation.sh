#!/usr/bin/env bash
# Foundation figures on this machine: cold start to /readyz (fresh and existing embedded database), idle RSS,
# and GET /api/v1/im/bots (warm key) next to /healthz on the same node in the same run.
# Usage: bench/foundation.sh [connections] [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
CONNS=${1:-64}
SECS=${2:-10}
[ -f target/astrgate.jar ] || mvn -B -q package -DskipTests
WORK=$(mktemp -d)
PORT=${BENCH_PORT:-17860}
KEY="abk_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
cp -r conf "$WORK/conf"
export ASTRGATE_PORT=$PORT ASTRGATE_DATA_DIR="$WORK/data" ASTRGATE_CONF_DIR="$WORK/conf" ASTRGATE_BOOTSTRAP_KEY="$KEY"
export ASTRGATE_HOST=127.0.0.1

start_node() {
  local t0; t0=$(date +%s%N)
  java -Dastrgate.access.level=WARN -jar target/astrgate.jar >> "$WORK/node.log" 2>&1 &
  PID=$!
  until curl -sf "http://127.0.0.1:$PORT/readyz" > /dev/null; do sleep 0.02; done
  ELAPSED=$(( ($(date +%s%N) - t0) / 1000000 ))
}
stop_node() { kill "$PID"; wait "$PID" 2>/dev/null || true; }

start_node; FIRST=$ELAPSED; stop_node
start_node; SECOND=$ELAPSED
sleep 5
RSS=$(awk '/VmRSS/ {print int($2/1024)}' /proc/$PID/status)
echo
echo "cold start to ready, fresh data dir (initdb + migrations): ${FIRST} ms"
echo "cold start to ready, existing data dir:                    ${SECOND} ms"
echo "idle RSS after start:                                      ${RSS} MiB"
echo
echo "closed loop, $CONNS connections, ${SECS}s per path, same node, same run:"
java -cp target/astrgate.jar bench/HttpBench.java "$PORT" "$KEY" "$CONNS" "$SECS" /healthz /api/v1/im/bots /healthz /api/v1/im/bots
stop_node
rm -rf "$WORK"
