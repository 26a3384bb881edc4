#!/usr/bin/env bash
# Installs everything and runs the sample pipeline examples/basic with the built-in runner and
# SQLite (the README's first command).
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund --loglevel=error
npm run build
npm run build:web --if-present
node dist/cli/main.js run examples/basic "$@"
