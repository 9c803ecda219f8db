#!/usr/bin/env bash
# Runs schemathesis against /openapi.json of a fresh server on loopback, with
# a real consent token and auditor key, and fails on any 5xx answer.
#   fuzz/schemathesis.sh [path/to/consent-server] [examples per operation]
# Needs `pip install schemathesis` (4.x). Nothing leaves the machine.
set -euo pipefail
cd "$(dirname "$0")"
server=${1:-${CARGO_TARGET_DIR:-../target}/debug/consent-server}
examples=${2:-100}
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
db="sqlite://$dir/consent.db"
"$server" serve --bind "127.0.0.1:$port" --data-dir "$dir" --database-url "$db" \
  --write-rate-limit 0 --checkpoint-interval 0 >"$dir/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
AUDITOR_KEY=$("$server" auditors add schemathesis --data-dir "$dir" --database-url "$db" 2>/dev/null)
body=$(curl -sf "$base/openapi.json" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["components"]["schemas"]["ConsentRequest"]["example"]))')
receipt=$(curl -sf -X POST "$base/v1/consents" -H 'Content-Type: application/json' -d "$body")
CONSENT_ID=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["consent_id"])' "$receipt")
CONSENT_TOKEN=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["token"])' "$receipt")
POLICY_HASH=$(curl -sf "$base/v1/sites/www/policy" | python3 -c 'import json,sys; print(json.load(sys.stdin)["hash"])')
export AUDITOR_KEY CONSENT_ID CONSENT_TOKEN POLICY_HASH
schemathesis --config-file schemathesis.toml run "$base/openapi.json" \
  --checks not_a_server_error --max-examples "$examples" --seed 1
