#!/usr/bin/env bash
# An auditor checks the consent log without trusting the server that holds it.
#
#   cargo run --release &                 # the server, as in the README
#   examples/auditor/walkthrough.sh       # this walkthrough
#
# SERVER and BIN may point elsewhere; the database flags of BIN default to
# ./data, the server's default.
set -euo pipefail
SERVER=${SERVER:-http://127.0.0.1:8080}
BIN=${BIN:-target/release/consent-server}
work=$(mktemp -d)
cd_back=$(pwd)

echo "1. The operator gives the auditor a key (shown once, stored as a hash)."
key=$("$BIN" auditors add "auditor-$(date +%s)")

echo "2. The auditor asks for a signed checkpoint, then takes the keys and the log away."
curl -fsS -X POST -H "Authorization: Bearer $key" "$SERVER/v1/audit/checkpoints" > /dev/null
curl -fsS "$SERVER/.well-known/jwks.json" > "$work/jwks.json"
curl -fsS -H "Authorization: Bearer $key" "$SERVER/v1/audit/events?format=ndjson" > "$work/ledger.ndjson"
curl -fsS -H "Authorization: Bearer $key" "$SERVER/v1/audit/events?format=csv" > "$work/ledger.csv"
echo "   $(grep -c '"type":"event"' "$work/ledger.ndjson" || true) events exported"

echo "3. Offline, with nothing but the files and the public keys:"
"$BIN" audit verify --input "$work/ledger.ndjson" --jwks "$work/jwks.json"
"$BIN" audit verify --input "$work/ledger.csv" --jwks "$work/jwks.json"

echo "4. One answer changed in the copy, and the check names the line (exit 1):"
sed '0,/"necessary":true/s//"necessary":false/' "$work/ledger.ndjson" > "$work/edited.ndjson"
"$BIN" audit verify --input "$work/edited.ndjson" --jwks "$work/jwks.json" || echo "   exit $?"

echo "5. The numbers: $SERVER/audit/report?site=www&lang=en (same key)."
cd "$cd_back"
rm -rf "$work"
