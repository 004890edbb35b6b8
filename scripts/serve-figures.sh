#!/usr/bin/env bash
# The web app's resource figures (docs/studies/serve.md): resident memory and CPU time of a `dreamtime serve` process
# idle for 60 s, before any run and after a run started from the page has finished.
# Usage: scripts/serve-figures.sh RUNS_FOLDER [PORT]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs="$1"; port="${2:-8093}"
url="http://127.0.0.1:$port"
"$root/dreamtime" --version >/dev/null # builds first, so the build is not measured
dotnet "$root/src/DreamTime.Cli/bin/Release/net10.0/linux-x64/DreamTime.Cli.dll" serve --runs "$runs" --port "$port" >/dev/null 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "$url/api/runs" >/dev/null && break; sleep 0.2; done
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
rss() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status"; }
hz=$(getconf CLK_TCK)
idle() {
  sleep 5
  local a b; a=$(ticks); sleep 60; b=$(ticks)
  printf '| %s | %s MiB | %s s of CPU in 60 s |\n' "$1" "$(rss)" "$(echo "scale=2; ($b - $a) / $hz" | bc)"
}
echo "| state | resident memory | CPU while idle |"
echo "|---|---|---|"
curl -sf "$url/" >/dev/null; curl -sf "$url/app.js" >/dev/null; curl -sf "$url/api/runs" >/dev/null
idle "started, list served, no run yet"
id=$(curl -sf -H "Origin: $url" -F prompt="a red mushroom" -F pipeline=dreamfusion -F iterations=200 "$url/api/runs" | sed -E 's/.*"id":"([^"]*)".*/\1/')
until curl -sf "$url/api/run?id=$id" | grep -q '"state":"done"'; do sleep 2; done
idle "after a page run (200 iterations, dreamfusion) finished"
