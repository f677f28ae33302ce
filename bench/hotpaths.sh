#!/usr/bin/env bash
# Issue 10's method on this machine: the gateway JVM and its embedded PostgreSQL pinned to core 0 (taskset -c 0),
# the OpenAI-compatible mock, the OneBot end and the outside load generators (undici, wrk, hey) pinned to core 1;
# direct-to-mock and through-the-gateway alternate in one run. Prints the issue's table: now, at the issue, goal.
# Usage: bench/hotpaths.sh          (about 7 minutes; every step is bounded by `timeout`)
# Knobs: PHASES=chat,im  TTFT_TURNS=400  TURN_SECONDS=10  DELTA_SECONDS=10  WRK_SECONDS=10  HEY_SECONDS=10
#        IM_WARM_SECONDS=180 CHAT_WARM_SECONDS=180 (the most each node is warmed before its figures; the warm-up
#                             stops once the JIT compiled for under 5 % of a 5 s slice, after at least 30 s)
#        GATEWAY_JFR=<file>  (record a JFR profile of the chat gateway, settings=profile)
#        NODE_A_JFR=<file>   (same for node A of the im phase; NODE_B_JFR for node B)
#        NODE_JAVA_OPTS="..." (more JVM options for every gateway node, e.g. -XX:+PrintCompilation)
#        KEEP_WORK=1         (keep the nodes' logs and data directories, under /tmp/astrgate-hotpaths.*)
#        ACCESS_LOG=WARN     (level of the access log in every node; INFO, the product's default, logs each request)
#        PROFILER=jfr        (or async: the two *_JFR files come from async-profiler, from Maven Central, sampling CPU
#                             time of every thread including native and kernel frames, in JFR format)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PHASES=${PHASES:-chat,im}
TTFT_TURNS=${TTFT_TURNS:-400}
TURN_SECONDS=${TURN_SECONDS:-10}
DELTA_SECONDS=${DELTA_SECONDS:-10}
WRK_SECONDS=${WRK_SECONDS:-10}
HEY_SECONDS=${HEY_SECONDS:-10}
IM_WARM_SECONDS=${IM_WARM_SECONDS:-180}
CHAT_WARM_SECONDS=${CHAT_WARM_SECONDS:-180}
GATEWAY_JFR=${GATEWAY_JFR:-}
NODE_A_JFR=${NODE_A_JFR:-}
NODE_B_JFR=${NODE_B_JFR:-}
ACCESS_LOG=${ACCESS_LOG:-WARN}
PROFILER=${PROFILER:-jfr}
NODE_JAVA_OPTS=${NODE_JAVA_OPTS:-}
GW_CPU=0
LOAD_CPU=1
ulimit -n 65536 2>/dev/null || true

# --- outside tools, installed here: wrk and hey from Debian, undici from npm (package-lock.json pinned)
need_apt=()
command -v wrk > /dev/null || need_apt+=(wrk)
command -v hey > /dev/null || need_apt+=(hey)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing ${need_apt[*]} from Debian ..." >&2
  timeout 300 apt-get install -y -q "${need_apt[@]}" > /dev/null || { timeout 120 apt-get update -q > /dev/null && timeout 300 apt-get install -y -q "${need_apt[@]}" > /dev/null; }
fi
if [ ! -d bench/hotpaths/node_modules/undici ]; then
  (cd bench/hotpaths && timeout 300 npm ci --no-audit --no-fund --loglevel=error)
fi
if [ ! -f target/astrgate.jar ] || [ -n "$(find src/main pom.xml -newer target/astrgate.jar -print -quit)" ]; then
  echo "building target/astrgate.jar ..." >&2
  mvn -B -q package -DskipTests
fi

AP_LIB=
if [ "$PROFILER" = async ] && [ -n "$GATEWAY_JFR$NODE_A_JFR$NODE_B_JFR" ]; then
  AP_VERSION=4.2
  AP_JAR=~/.m2/repository/tools/profiler/async-profiler/$AP_VERSION/async-profiler-$AP_VERSION.jar
  [ -f "$AP_JAR" ] || mvn -B -q dependency:get -Dartifact=tools.profiler:async-profiler:$AP_VERSION > /dev/null
  mkdir -p target/async-profiler && (cd target/async-profiler && unzip -o -q "$AP_JAR" 'linux-x64/*')
  AP_LIB=$ROOT/target/async-profiler/linux-x64/libasyncProfiler.so
fi

WORK=$(mktemp -d /tmp/astrgate-hotpaths.XXXXXX)
PIDS=()
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for ((i=${#PIDS[@]}-1; i>=0; i--)); do kill "${PIDS[$i]}" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do for _ in $(seq 300); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; kill -9 "$p" 2>/dev/null || true; done
  for pm in "$WORK"/*/data/pg/postmaster.pid; do
    [ -f "$pm" ] || continue
    local pg; pg=$(head -1 "$pm" 2>/dev/null || true)
    [ -n "$pg" ] && kill -INT "$pg" 2>/dev/null || true
  done
  if [ "$rc" -ne 0 ] || [ -n "${KEEP_WORK:-}" ]; then
    echo "--- hotpaths.sh rc $rc; logs kept in $WORK" >&2
    tail -5 "$WORK"/*/node.log 2>/dev/null >&2 || true
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT INT TERM

free_port() {
  local p
  for _ in $(seq 200); do
    p=$(( 20000 + RANDOM % 12000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  echo "hotpaths.sh: no free port" >&2; exit 1
}
wait_for() {   # wait_for <seconds> <what> <command...>
  local deadline=$(( $(date +%s) + $1 )) what=$2; shift 2
  until "$@" > /dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then echo "hotpaths.sh: timed out waiting for $what" >&2; return 1; fi
    sleep 0.2
  done
}
# cpu_ms <stat file>...: CPU time so far (user + system) of these /proc stat files, in ms
cpu_ms() { [ $# -gt 0 ] || { echo 0; return; }; cat "$@" 2>/dev/null | awk -v t="$(getconf CLK_TCK)" '{s += $14 + $15} END {printf "%d", s * 1000 / t}'; }
# jit_ms <pid>...: the same for the JIT compiler threads of these JVMs
jit_ms() {
  local files=() t
  for pid in "$@"; do
    for t in /proc/"$pid"/task/*; do
      case "$(cat "$t/comm" 2>/dev/null)" in C1\ Compiler*|C2\ Compiler*) files+=("$t/stat") ;; esac
    done
  done
  cpu_ms "${files[@]}"
}
# warm_until_settled <what> <max seconds> <"jvm pids"> <command printing a rate for a 5 s slice>: 5 s slices until
# the JIT of those JVMs spent under 5 % of a slice compiling, after at least 30 s. The compiler threads share core 0
# with the measurement: while C2 still works (30-50 % of the core for a minute or more), figures are the JIT's.
warm_until_settled() {
  local what=$1 max=$2 pids=$3 spent=0 rate=0 jit=0 before; shift 3
  # shellcheck disable=SC2086
  while [ "$spent" -lt "$max" ]; do
    before=$(jit_ms $pids)
    rate=$("$@"); rate=${rate:-0}; spent=$((spent + 5))
    jit=$(( $(jit_ms $pids) - before ))
    if [ "$spent" -ge 30 ] && [ "$jit" -lt 250 ]; then break; fi
  done
  echo "   warmed $what in $spent s (last slice $rate/s, JIT ${jit} ms of its 5 s)" >&2
}
load() { echo "   $(date +%T) load average $(cut -d' ' -f1-3 /proc/loadavg) — $*" >&2; }
RESULTS="$WORK/results.jsonl"
: > "$RESULTS"
KEY="abk_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"

# start_node <name> <port> <cluster: true|false> <database url or ""> <pg port or ""> <jfr file or ""> <conf json>
start_node() {
  local name=$1 port=$2 clustered=$3 db=$4 pgport=$5 jfr=$6 conf=$7
  local dir="$WORK/$name"
  mkdir -p "$dir/conf"
  printf '%s\n' "$conf" > "$dir/conf/default.json"
  local opts=(-Xmx1g "-Dastrgate.access.level=$ACCESS_LOG")
  # shellcheck disable=SC2206
  [ -n "$NODE_JAVA_OPTS" ] && opts+=($NODE_JAVA_OPTS)
  if [ -n "$jfr" ] && [ -n "$AP_LIB" ]; then
    opts+=("-agentpath:$AP_LIB=start,event=cpu,interval=1ms,jfr,file=$jfr")
  elif [ -n "$jfr" ]; then
    opts+=("-XX:StartFlightRecording=settings=profile,filename=$jfr,dumponexit=true")
  fi
  (
    export ASTRGATE_PORT=$port ASTRGATE_HOST=127.0.0.1 ASTRGATE_DATA_DIR="$dir/data" ASTRGATE_CONF_DIR="$dir/conf" \
      ASTRGATE_BOOTSTRAP_KEY="$KEY" ASTRGATE_NODE_NAME="$name"
    [ -n "$db" ] && export ASTRGATE_DATABASE_URL="$db"
    [ -n "$pgport" ] && export ASTRGATE_EMBEDDED_DB_PORT="$pgport"
    if [ "$clustered" = true ]; then export ASTRGATE_CLUSTER=true ASTRGATE_CLUSTER_CONFIG="$WORK/cluster.xml"; fi
    exec taskset -c "$GW_CPU" java "${opts[@]}" -jar target/astrgate.jar > "$dir/node.log" 2>&1
  ) &
  PIDS+=($!)
  eval "PID_${name//-/_}=$!"
  wait_for 180 "$name's /readyz" curl -sf "http://127.0.0.1:$port/readyz"
}

echo "astrgate hot paths bench (issue 10) — $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')); $(java -version 2>&1 | head -1)"
echo "gateway JVM(s) + embedded PostgreSQL: taskset -c $GW_CPU; mock, OneBot end, undici/wrk/hey: taskset -c $LOAD_CPU"
echo "access log level: $ACCESS_LOG"
echo "uptime at start: $(uptime)"

# --- the mock, on the load core
taskset -c "$LOAD_CPU" node bench/hotpaths/mock.mjs "$WORK/mock.port" > "$WORK/mock.log" 2>&1 &
PIDS+=($!)
wait_for 30 "the mock" test -s "$WORK/mock.port"
MOCK="http://127.0.0.1:$(cat "$WORK/mock.port")/v1"
LOADGEN=(timeout 300 taskset -c "$LOAD_CPU" node bench/hotpaths/load.mjs)

chat_conf() {
  cat <<EOF
{
  "provider_sources": [{"id": "mock", "type": "openai_chat_completion", "enable": true, "key": ["sk-bench"],
     "api_base": "$MOCK", "timeout": 600, "custom_headers": {}}],
  "provider": [{"id": "default", "provider_source_id": "mock", "model": "d2i0", "enable": true, "modalities": ["text"]}],
  "provider_settings": {"default_provider_id": "default", "streaming_response": true, "display_reasoning_text": false,
     "max_context_length": -1, "dequeue_context_length": 1, "generate_session_title": false},
  "platform": [],
  "platform_settings": {"rate_limit": {"time": 60, "count": 100000000, "strategy": "stall"}},
  "sse": {"heartbeat_seconds": 5}
}
EOF
}
CHAT_CONF=$(chat_conf)

if [[ ",$PHASES," == *",chat,"* ]]; then
  echo
  echo "== chat: one gateway (embedded PostgreSQL), unclustered"
  PORT=$(free_port)
  start_node chat "$PORT" false "" "" "$GATEWAY_JFR" "$CHAT_CONF"
  GW="http://127.0.0.1:$PORT"
  PM="$WORK/chat/data/pg/postmaster.pid"
  load "warm-up (2,000 turns one at a time, 128 at once x3, short turns and long streams, each until the JIT settles)"
  "${LOADGEN[@]}" ttft "$MOCK" "$GW" "$KEY" 2000 1 d2i0 > /dev/null
  "${LOADGEN[@]}" burst "$MOCK" "$GW" "$KEY" 128 3 d2i0 > /dev/null
  chat_slice() { "${LOADGEN[@]}" turns "$GW" "$KEY" 16 5 d1i0 "$PID_chat" "$PM" | jq '.turnsPerSecond | floor'; }
  warm_until_settled "short turns" "$CHAT_WARM_SECONDS" "$PID_chat" chat_slice
  delta_slice() { "${LOADGEN[@]}" deltas "$GW" "$KEY" 64 5 d64i20 "$PID_chat" "$PM" | jq '.deltas / .seconds | floor'; }
  warm_until_settled "long streams" "$CHAT_WARM_SECONDS" "$PID_chat" delta_slice
  load "added TTFT, one at a time, $TTFT_TURNS turns each, 4 alternating slices"
  "${LOADGEN[@]}" ttft "$MOCK" "$GW" "$KEY" "$TTFT_TURNS" 4 d2i0 | jq -c '. + {row: "ttft"}' >> "$RESULTS"
  load "short turns, 16 clients, $TURN_SECONDS s"
  "${LOADGEN[@]}" turns "$GW" "$KEY" 16 "$TURN_SECONDS" d1i0 "$PID_chat" "$PM" | jq -c '. + {row: "turns"}' >> "$RESULTS"
  load "64 deltas @ 20 ms, 64 clients, $DELTA_SECONDS s"
  "${LOADGEN[@]}" deltas "$GW" "$KEY" 64 "$DELTA_SECONDS" d64i20 "$PID_chat" "$PM" | jq -c '. + {row: "deltas"}' >> "$RESULTS"
  load "128 streams at once, 5 alternating rounds"
  "${LOADGEN[@]}" burst "$MOCK" "$GW" "$KEY" 128 5 d2i0 | jq -c '. + {row: "burst"}' >> "$RESULTS"
  echo "   gateway log: $(grep -c ' ERROR ' "$WORK/chat/node.log" || true) ERROR lines" >&2
  kill "$PID_chat"; for _ in $(seq 300); do kill -0 "$PID_chat" 2>/dev/null || break; sleep 0.1; done
fi

# wrk_row <row> <url> [post]: wrk -t1 -c32 on the load core, one JSON line with requests/s, non-2xx count and, in
# the im phase, each node's CPU per request (steadier than requests/s on a shared machine)
wrk_row() {
  local row=$1 url=$2 post=${3:-}
  local args=(-t1 -c32 "-d${WRK_SECONDS}s" --latency -H "X-API-Key: $KEY")
  [ -n "$post" ] && args+=(-s "$WORK/post.lua")
  local a0 b0; a0=$(cpu_ms "/proc/$PID_node_a/stat"); b0=$(cpu_ms "/proc/$PID_node_b/stat")
  local out; out=$(timeout $((WRK_SECONDS + 30)) taskset -c "$LOAD_CPU" wrk "${args[@]}" "$url")
  local a1 b1; a1=$(cpu_ms "/proc/$PID_node_a/stat"); b1=$(cpu_ms "/proc/$PID_node_b/stat")
  local rps errs n
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<< "$out")
  n=$(awk '/ requests in / {print $1}' <<< "$out"); n=${n:-0}
  errs=$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<< "$out"); errs=${errs:-0}
  printf '{"row":"%s","rps":%s,"errors":%s,"requests":%s,"cpuUsPerRequest":{"a":%s,"b":%s}}\n' "$row" "${rps:-0}" \
    "$errs" "$n" "$(( n > 0 ? (a1 - a0) * 1000 / n : 0 ))" "$(( n > 0 ? (b1 - b0) * 1000 / n : 0 ))" >> "$RESULTS"
}
# hey_row <row> <url> [get]: hey -q 20 -c 50 (1,000/s) on the load core; p50/p99 in seconds. Its 50 workers tick
# together, so each 50 ms it sends a burst of 50: the GET /healthz row is the tool's own floor on the same node.
hey_row() {
  local req=(-m POST -T application/json -H "X-API-Key: $KEY" -d '{"umo":"qq:FriendMessage:12345","message":"bench"}')
  [ "${3:-}" = get ] && req=()
  local out; out=$(timeout $((HEY_SECONDS + 30)) taskset -c "$LOAD_CPU" hey -z "${HEY_SECONDS}s" -q 20 -c 50 "${req[@]}" "$2")
  local p50 p99 ok total
  p50=$(awk '/ 50%+ in / {print $3}' <<< "$out"); p99=$(awk '/ 99%+ in / {print $3}' <<< "$out")
  ok=$(awk '/\[200\]/ {print $2}' <<< "$out"); total=$(awk '/\[[0-9]+\]/ {s += $2} END {print s + 0}' <<< "$out")
  printf '{"row":"%s","p50":%s,"p99":%s,"errors":%s}\n' "$1" "${p50:-0}" "${p99:-0}" "$(( total - ${ok:-0} ))" >> "$RESULTS"
}
# paced_row <row> <url> [get]: 1,000/s evenly spaced over 50 connections (undici), latency from each request's
# scheduled time, so a stall is counted in full
paced_row() {
  "${LOADGEN[@]}" paced "$2" "$KEY" 1000 50 "$HEY_SECONDS" "${3:-post}" | jq -c ". + {row: \"$1\"}" >> "$RESULTS"
}
# im_slice <url>: requests per second of 5 s of wrk -c32 im/message
im_slice() {
  timeout 40 taskset -c "$LOAD_CPU" wrk -t1 -c32 -d5s -H "X-API-Key: $KEY" -s "$WORK/post.lua" "$1" \
    | awk '/^Requests\/sec:/ {printf "%d", $2}'
}

if [[ ",$PHASES," == *",im,"* ]]; then
  echo
  echo "== im/message: nodes A and B clustered (both on core $GW_CPU), A's embedded PostgreSQL shared, OneBot end dials A"
  sed "s|<cluster-name>astrgate</cluster-name>|<cluster-name>astrgate-hot-$RANDOM$RANDOM</cluster-name>|" cluster.xml > "$WORK/cluster.xml"
  IM_CONF='{"platform": [{"id": "qq", "type": "aiocqhttp", "enable": true}], "provider": [], "provider_sources": []}'
  PA=$(free_port); PB=$(free_port); PGA=$(free_port)
  start_node node-a "$PA" true "" "$PGA" "$NODE_A_JFR" "$IM_CONF"
  start_node node-b "$PB" true "postgresql://postgres@127.0.0.1:$PGA/postgres" "" "$NODE_B_JFR" "$IM_CONF"
  wait_for 120 "a two-member cluster" sh -c "curl -sf http://127.0.0.1:$PA/readyz | jq -e '.cluster.members == 2'"
  taskset -c "$LOAD_CPU" node bench/hotpaths/onebot.mjs "ws://127.0.0.1:$PA/platform/qq/ws" 10001 > "$WORK/onebot.log" 2>&1 &
  PIDS+=($!)
  wait_for 60 "the OneBot end to be owned by A" sh -c "curl -sf http://127.0.0.1:$PA/readyz | jq -e '.platforms.qq == \"owner\"'"
  cat > "$WORK/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"umo":"qq:FriendMessage:12345","message":"bench"}'
wrk.headers["Content-Type"] = "application/json"
LUA
  load "warm-up (wrk to A, then to B, each until the JIT settles, at most $IM_WARM_SECONDS s)"
  for node_url in "http://127.0.0.1:$PA/api/v1/im/message" "http://127.0.0.1:$PB/api/v1/im/message"; do
    warm_until_settled "$node_url" "$IM_WARM_SECONDS" "$PID_node_a $PID_node_b" im_slice "$node_url"
  done
  load "wrk -c32 im/message to A (owner)";  wrk_row wrk-owner "http://127.0.0.1:$PA/api/v1/im/message" post
  load "wrk -c32 im/message to B (across)"; wrk_row wrk-other "http://127.0.0.1:$PB/api/v1/im/message" post
  load "hey 1,000/s im/message to A";       hey_row hey-owner "http://127.0.0.1:$PA/api/v1/im/message"
  load "hey 1,000/s im/message to B";       hey_row hey-other "http://127.0.0.1:$PB/api/v1/im/message"
  load "hey 1,000/s GET /healthz on A";     hey_row hey-floor "http://127.0.0.1:$PA/healthz" get
  load "paced 1,000/s im/message to A";     paced_row paced-owner "http://127.0.0.1:$PA/api/v1/im/message"
  load "paced 1,000/s im/message to B";     paced_row paced-other "http://127.0.0.1:$PB/api/v1/im/message"
  load "paced 1,000/s GET /healthz on A";   paced_row paced-floor "http://127.0.0.1:$PA/healthz" get
  load "wrk -c32 GET im/bots on A";         wrk_row wrk-bots "http://127.0.0.1:$PA/api/v1/im/bots"
fi

echo
echo "uptime at the end: $(uptime)"
echo
node bench/hotpaths/report.mjs "$RESULTS"
echo
echo "raw results:"
grep -v '"row":"warm"' "$RESULTS"
