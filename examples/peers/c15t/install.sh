#!/usr/bin/env bash
# Installs the c15t peer by name from npm (versions pinned in package.json)
# into this folder's node_modules/, which is not committed.
set -euo pipefail
cd "$(dirname "$0")"
npm install --no-fund --no-audit --omit=dev
echo "c15t peer installed: node $(pwd)/server.mjs"
