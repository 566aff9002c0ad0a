#!/usr/bin/env bash
# Starts sanshe with demo data on a fresh SQLite database and runs the browser flows against it.
# Usage: browser-tests/run.sh PATH/TO/sanshe
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:?path to the sanshe binary}
work=$(mktemp -d)
port=${SANSHE_BROWSER_PORT:-18181}
export SANSHE_DEMO_PASSWORD=${SANSHE_DEMO_PASSWORD:-browser-demo-2020}
export SANSHE_URL="http://127.0.0.1:$port"
(cd "$work" && exec "$bin" serve --demo --listen "127.0.0.1:$port" > "$work/serve.log" 2>&1) &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -fsS "$SANSHE_URL/healthz" > /dev/null 2>&1 && break
  kill -0 $server 2>/dev/null || { cat "$work/serve.log"; exit 1; }
  sleep 0.5
done
curl -fsS "$SANSHE_URL/healthz" > /dev/null || { echo "sanshe did not start"; cat "$work/serve.log"; exit 1; }
cd "$here"
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund
npm test
