#!/usr/bin/env bash
# Streaming chat figures on this machine, all on loopback, gateway and load generator in separate JVMs:
#   1. time to first token and inter-token gap, gateway vs. straight to the fake upstream, at 1/100/1000 streams
#   2. completed short turns per second with PostgreSQL persistence
#   3. heap per open idle stream at 10,000 open streams (gateway runs with -Xmx1g)
#   4. a third-party SSE parser (npm eventsource-parser) reading one real turn
# Usage: bench/chat.sh            (about 7 minutes, plus up to QUIET_WAIT)
# Knobs (environment): LEVELS=1,100,1000 LATENCY_SECONDS=12 TURN_CLIENTS=32,64,128 TURN_SECONDS=10
#   IDLE_STREAMS=10000 PHASES=latency,turns,idle,node GATEWAY_HEAP=1g PROFILE=1 (JFR profiles of the gateway)
#   QUIET_WAIT=300 (seconds to wait for the 1-minute load average to drop below 1 before starting)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

LEVELS=${LEVELS:-1,100,1000}
LATENCY_SECONDS=${LATENCY_SECONDS:-12}
TURN_CLIENTS=${TURN_CLIENTS:-32,64,128}
TURN_SECONDS=${TURN_SECONDS:-10}
IDLE_STREAMS=${IDLE_STREAMS:-10000}
PHASES=${PHASES:-latency,turns,idle,node}
GATEWAY_HEAP=${GATEWAY_HEAP:-1g}
PROFILE=${PROFILE:-1}
QUIET_WAIT=${QUIET_WAIT:-300}

# 10,000 client sockets in the driver, as many server sockets plus ~1,000 upstream ones in the gateway.
ulimit -n 200000 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((IDLE_STREAMS + 4000)) ]; then
  echo "chat.sh: open-file limit $(ulimit -n) is too low for $IDLE_STREAMS streams" >&2
  exit 1
fi

# --- build: the jar, the test classes (the fake upstream lives there), the dependency classpath, the driver
if [ ! -f target/astrgate.jar ] || [ -n "$(find src pom.xml -newer target/astrgate.jar -print -quit)" ]; then
  echo "building target/astrgate.jar ..." >&2
  mvn -B -q package -DskipTests
fi
if [ ! -f target/test-classes/dev/astrgate/fakes/FakeOpenAi.class ]; then
  mvn -B -q -o test-compile
fi
if [ ! -s target/bench.cp ] || [ pom.xml -nt target/bench.cp ]; then
  mvn -B -q -o dependency:build-classpath -Dmdep.outputFile=target/bench.cp
fi
CP="target/classes:target/test-classes:$(cat target/bench.cp)"
rm -rf target/bench-classes
javac -nowarn -d target/bench-classes -cp "$CP" $(find bench/src -name '*.java')

# --- work area and cleanup of everything started here
WORK=$(mktemp -d /tmp/astrgate-chatbench.XXXXXX)
DRIVER_PID=""
GATEWAY_PID=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$DRIVER_PID" ] && kill -0 "$DRIVER_PID" 2>/dev/null; then
    kill "$DRIVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$DRIVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$DRIVER_PID" 2>/dev/null || true
  fi
  if [ -n "$GATEWAY_PID" ] && kill -0 "$GATEWAY_PID" 2>/dev/null; then
    kill "$GATEWAY_PID" 2>/dev/null || true   # graceful: the node stops its embedded PostgreSQL itself
    for _ in $(seq 600); do kill -0 "$GATEWAY_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$GATEWAY_PID" 2>/dev/null || true
  fi
  # The embedded PostgreSQL of a gateway that had to be killed: only the one under our own work directory.
  local pm="$WORK/data/pg/postmaster.pid"
  if [ -f "$pm" ]; then
    local pgpid; pgpid=$(head -1 "$pm" 2>/dev/null || true)
    if [ -n "$pgpid" ] && kill -0 "$pgpid" 2>/dev/null; then
      kill -INT "$pgpid" 2>/dev/null || true
      for _ in $(seq 100); do kill -0 "$pgpid" 2>/dev/null || break; sleep 0.1; done
    fi
  fi
  if [ "$rc" -ne 0 ] && [ -f "$WORK/gateway.log" ]; then
    echo "--- last lines of the gateway log ($WORK kept)" >&2
    tail -20 "$WORK/gateway.log" >&2
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT INT TERM

free_port() {
  local p
  for _ in $(seq 200); do
    p=$(( 20000 + RANDOM % 12000 ))   # below the ephemeral range
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  echo "chat.sh: no free port" >&2; exit 1
}

wait_for() {   # wait_for <seconds> <what> <command...>
  local secs=$1 what=$2; shift 2
  local deadline=$(( $(date +%s) + secs ))
  until "$@"; do
    if [ "$(date +%s)" -ge "$deadline" ]; then echo "chat.sh: timed out waiting for $what" >&2; return 1; fi
    if [ -n "$DRIVER_PID" ] && ! kill -0 "$DRIVER_PID" 2>/dev/null; then echo "chat.sh: driver exited" >&2; return 1; fi
    sleep 0.1
  done
}

# Other work may share these two cores; wait, bounded, for a quiet moment so it distorts the figures less.
waited=0
while awk '{ exit !($1 > 1.0) }' /proc/loadavg && [ "$waited" -lt "$QUIET_WAIT" ]; do
  [ "$waited" -eq 0 ] && echo "load average $(cut -d' ' -f1 /proc/loadavg) > 1: waiting up to ${QUIET_WAIT} s for a quieter machine" >&2
  sleep 5
  waited=$((waited + 5))
done

echo "astrgate streaming chat bench — $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); $(java -version 2>&1 | head -1)"
echo "gateway: java -Xmx$GATEWAY_HEAP -jar target/astrgate.jar (embedded PostgreSQL); driver: own JVM with the fake upstream"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- 1. the driver (and with it the fake upstream) first: the gateway's config needs the fake's address
java -Xms2g -Xmx4g -cp "target/bench-classes:$CP" dev.astrgate.bench.ChatBench \
  --work "$WORK" --phases "$PHASES" --levels "$LEVELS" --latency-seconds "$LATENCY_SECONDS" \
  --turn-clients "$TURN_CLIENTS" --turn-seconds "$TURN_SECONDS" --idle-streams "$IDLE_STREAMS" --profile "$PROFILE" &
DRIVER_PID=$!
wait_for 60 "the fake upstream" test -s "$WORK/fake.url"
FAKE_URL=$(cat "$WORK/fake.url")

# --- 2. the gateway, in its own JVM, pointed at the fake
PORT=$(free_port)
PGPORT=$(free_port)
KEY="abk_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
mkdir -p "$WORK/conf"
cat > "$WORK/conf/default.json" <<EOF
{
  "provider_sources": [
    {"id": "fake", "type": "openai_chat_completion", "enable": true, "key": ["sk-bench"],
     "api_base": "$FAKE_URL", "timeout": 600, "custom_headers": {}}
  ],
  "provider": [
    {"id": "default", "provider_source_id": "fake", "model": "gpt-bench", "enable": true, "modalities": ["text"]}
  ],
  "provider_settings": {
    "default_provider_id": "default",
    "streaming_response": true,
    "display_reasoning_text": false,
    "max_context_length": -1,
    "dequeue_context_length": 1,
    "generate_session_title": false
  },
  "platform": [],
  "platform_settings": {"rate_limit": {"time": 60, "count": 100000000, "strategy": "stall"}},
  "sse": {"heartbeat_seconds": 5}
}
EOF
ASTRGATE_PORT=$PORT ASTRGATE_HOST=127.0.0.1 ASTRGATE_DATA_DIR="$WORK/data" ASTRGATE_CONF_DIR="$WORK/conf" \
ASTRGATE_BOOTSTRAP_KEY="$KEY" ASTRGATE_EMBEDDED_DB_PORT=$PGPORT ASTRGATE_NODE_NAME=bench \
  java "-Xmx$GATEWAY_HEAP" -Dastrgate.access.level=WARN -jar target/astrgate.jar > "$WORK/gateway.log" 2>&1 &
GATEWAY_PID=$!
ready() { curl -sf "http://127.0.0.1:$PORT/readyz" > /dev/null; }
wait_for 180 "the gateway's /readyz" ready
printf 'port=%s\nkey=%s\npid=%s\npgport=%s\ndatadir=%s\n' "$PORT" "$KEY" "$GATEWAY_PID" "$PGPORT" "$WORK/data" \
  > "$WORK/gateway.env.tmp"
mv "$WORK/gateway.env.tmp" "$WORK/gateway.env"

# --- 3. the driver runs its phases; when it asks, the SSE parser check runs against the same gateway
node_check() {
  echo
  echo "== 4. Third-party SSE parser (npm eventsource-parser) reading one turn from the gateway"
  if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
    echo "SKIPPED: node/npm not installed"
    return 0
  fi
  local dir="$ROOT/bench/sse-parser"
  if [ ! -d "$dir/node_modules/eventsource-parser" ]; then
    (cd "$dir" && timeout 300 npm ci --no-audit --no-fund --loglevel=error) || { echo "FAILED: npm ci"; return 1; }
  fi
  EXPECT_TEXT="$(cat "$WORK/node.expect")" timeout 60 node "$dir/check.mjs" "http://127.0.0.1:$PORT" "$KEY"
}
NODE_RC=0
deadline=$(( $(date +%s) + 3600 ))
while kill -0 "$DRIVER_PID" 2>/dev/null; do
  if [ -f "$WORK/node.ready" ] && [ ! -f "$WORK/node.done" ]; then
    node_check || NODE_RC=$?
    touch "$WORK/node.done"
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then echo "chat.sh: driver still running after an hour, stopping it" >&2; break; fi
  sleep 0.2
done
DRIVER_RC=0
wait "$DRIVER_PID" || DRIVER_RC=$?
DRIVER_PID=""
if ! kill -0 "$GATEWAY_PID" 2>/dev/null; then
  echo "chat.sh: the gateway died during the run" >&2
  exit 1
fi
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "gateway log: $(grep -c ' ERROR ' "$WORK/gateway.log" || true) ERROR lines, $(grep -c ' WARN ' "$WORK/gateway.log" || true) WARN lines"
grep -E ' (ERROR|WARN) ' "$WORK/gateway.log" | head -5 || true
[ "$DRIVER_RC" -eq 0 ] && [ "$NODE_RC" -eq 0 ]
