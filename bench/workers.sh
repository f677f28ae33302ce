#!/usr/bin/env bash
# im/message to worker-held platforms (real node and python3 workers over the TCP bridge) next to an in-JVM OneBot
# connection, each sent to the holder's node and to another node, in one run.
# Usage: bench/workers.sh  [-Dseconds=5 -Drate=500 -Dwarmup=20]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f target/astrgate.jar ] || [ -n "$(find src/main -newer target/astrgate.jar -type f | head -1)" ]; then
  mvn -B -q -o package -DskipTests
fi
classes=$(mktemp -d)
trap 'rm -rf "$classes"' EXIT
javac -d "$classes" -cp target/astrgate.jar bench/ImMessageBench.java bench/WorkerBench.java
exec java -Xmx512m "$@" \
  --add-modules java.se --add-exports java.base/jdk.internal.ref=ALL-UNNAMED \
  --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
  --add-opens java.management/sun.management=ALL-UNNAMED --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED \
  -cp "target/astrgate.jar:$classes" WorkerBench
