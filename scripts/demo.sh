#!/usr/bin/env bash
# Installs everything and runs the sample pipeline examples/basic with the built-in runner and
# SQLite (the README's first command), then says what to try next.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund --loglevel=error
npm run build   # the server (tsc) and the web UI (vite)
status=0
node dist/bundle/main.js run examples/basic "$@" || status=$?
cat <<'HINT'

What to try next:
  node dist/bundle/main.js run examples/basic --keep      # keep the web UI: open the printed link, retry or play jobs, Ctrl-C to stop
  node dist/bundle/main.js run examples/basic --verbose   # stream every job's log, prefixed with its name
  node dist/bundle/main.js lint examples/basic            # the jobs a .gitlab-ci.yml creates, without running them
  node dist/bundle/main.js --help                         # every command, with examples
HINT
exit $status
