#!/usr/bin/env bash
# im/message throughput and latency to a connected fake OneBot end, sent to the owning node vs. another node.
# Usage: bench/im-message.sh  [-Drate=1000 -Dseconds=10 -Dconcurrency=64]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f target/astrgate.jar ] || [ -n "$(find src/main -newer target/astrgate.jar -type f | head -1)" ]; then
  mvn -B -q -o package -DskipTests
fi
exec java -Xmx512m "$@" \
  --add-modules java.se --add-exports java.base/jdk.internal.ref=ALL-UNNAMED \
  --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
  --add-opens java.management/sun.management=ALL-UNNAMED --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED \
  -cp target/astrgate.jar bench/ImMessageBench.java
