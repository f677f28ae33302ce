#!/usr/bin/env bash
# Run by the Maven build before the tests (exec-maven-plugin, skipped with -DskipTests): finds a Chromium for
# BrowserTest, installing Debian's package when none is there, and writes its path to target/e2e/browser.path.
# When no browser can be had it writes the one-line fix to target/e2e/browser.missing and exits 0, so the rest of
# the suite still runs and BrowserTest fails with that line. Never downloads a browser build of its own.
set -u
out=${1:-target/e2e}
mkdir -p "$out"
rm -f "$out/browser.path" "$out/browser.missing"

works() { [ -n "$1" ] && [ -x "$1" ] && "$1" --version >/dev/null 2>&1; }
found() { echo "e2e: browser $1 ($("$1" --version 2>/dev/null | head -n 1))"; printf '%s\n' "$1" >"$out/browser.path"; exit 0; }
missing() { echo "e2e: no browser: $1"; printf '%s\n' "$1" >"$out/browser.missing"; exit 0; }
look() {
  if [ -n "${CHROMIUM_PATH:-}" ]; then
    works "$CHROMIUM_PATH" && found "$CHROMIUM_PATH"
    missing "CHROMIUM_PATH=$CHROMIUM_PATH is not a working browser: unset it or point it at chromium"
  fi
  for name in chromium chromium-browser google-chrome; do
    p=$(command -v "$name" 2>/dev/null) && works "$p" && found "$p"
  done
}

look
command -v apt-get >/dev/null || missing "no chromium and no apt-get: install Chromium and set CHROMIUM_PATH to its binary"
[ "$(id -u)" = 0 ] || missing "no chromium: run \`sudo apt-get update && sudo apt-get install -y chromium\`, or set CHROMIUM_PATH"

# dpkg may list the package while its binary is gone (removed by hand, or hidden): then reinstall it.
apt=(apt-get -q -y -o DPkg::Lock::Timeout=600 -o Dpkg::Use-Pty=0)
export DEBIAN_FRONTEND=noninteractive
reinstall=()
if dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q 'install ok installed'; then
  echo "e2e: dpkg lists chromium but no working binary is on the PATH: reinstalling it"
  reinstall=(--reinstall)
else
  echo "e2e: installing Debian's chromium (apt-get)"
fi
"${apt[@]}" update >"$out/apt.log" 2>&1
"${apt[@]}" install "${reinstall[@]}" chromium >>"$out/apt.log" 2>&1 \
  || { tail -n 5 "$out/apt.log"; missing "apt-get could not install chromium (see target/e2e/apt.log): run \`apt-get update && apt-get install -y chromium\`, or set CHROMIUM_PATH"; }
look
missing "chromium was installed but does not start (see target/e2e/apt.log): set CHROMIUM_PATH to a working browser"
