#!/usr/bin/env bash
# Fuzzes every operation of the API document with schemathesis against a demo server signed in
# as the city coordinator: no server error, and every answer as the document says (status,
# content type, schema). Usage: .ci/schemathesis.sh path/to/sanshe [seconds]
set -euo pipefail
binary=$(realpath "$1")
budget=${2:-180}
cd "$(dirname "$0")/.."
venv=target/ci-venv
# CPython before 3.12 can fail its own ast.parse deep inside schemathesis's coverage phase
# ("AST constructor recursion depth mismatch", CPython gh-106905), failing a run that found
# nothing: a newer Python is used where the machine has one, else that phase is left out.
python=python3
for candidate in python3.13 python3.12; do
  if "$candidate" -c 'import venv, ensurepip' > /dev/null 2>&1; then
    python=$candidate
    break
  fi
done
if [ ! -x "$venv/bin/schemathesis" ]; then
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check schemathesis==4.32.5
fi
phases=examples,coverage,fuzzing
if ! "$venv/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then
  phases=examples,fuzzing
fi
work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
password=schemathesis-2020
# exec: the process started is the server itself, so the trap stops it and not only a shell.
(cd "$work" && exec env SANSHE_DEMO_PASSWORD=$password SANSHE_LOG=warn "$binary" serve --demo --listen "127.0.0.1:$port" > "$work/server.log" 2>&1) &
server=$!
trap 'kill $server 2> /dev/null || true; wait $server 2> /dev/null || true; rm -rf "$work"' EXIT
ready=no
for _ in $(seq 1 300); do
  if curl -sf "http://127.0.0.1:$port/healthz" > /dev/null; then
    ready=yes
    break
  fi
  kill -0 $server 2> /dev/null || break
  sleep 1
done
if [ $ready != yes ]; then
  echo "the demo server did not start:"
  cat "$work/server.log"
  exit 1
fi
token=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/sessions" -H 'content-type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$password\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
# /api/v1/sessions is left out: its DELETE would sign the fuzzer's own token out.
"$venv/bin/schemathesis" run "http://127.0.0.1:$port/api/openapi.json" \
  -H "Authorization: Bearer $token" \
  --exclude-path /api/v1/sessions \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --phases "$phases" \
  --workers 2 --max-time "$budget" --warnings off \
  | tail -n 30
if grep -q "panicked" "$work/server.log"; then
  grep -n "panicked" "$work/server.log"
  exit 1
fi
