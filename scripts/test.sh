#!/usr/bin/env bash
# Installs everything and runs the whole test suite (the README's second command; .ci/run calls it).
# PostgreSQL tests run when 127.0.0.1:5432 answers (required when GCD_REQUIRE_POSTGRES=1);
# browser tests run when /usr/bin/chromium exists (required when GCD_REQUIRE_BROWSER=1);
# Docker tests run when /var/run/docker.sock answers /_ping (required when GCD_REQUIRE_DOCKER=1).
# Type errors and lint (incl. DESIGN.md's import directions) fail the run, after the tests ran.
set -uo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund --loglevel=error || exit 1
# gitlab-ci-local (the compiler's oracle) with the Node 22 it needs, apart from the project's modules.
npm ci --prefix tools/gitlab-ci-local --no-audit --no-fund --loglevel=error || echo 'gitlab-ci-local not installed: the differential test will be skipped'
npm run build || exit 1   # the server (tsc) and the web UI (vite)
checks=0
npm run typecheck || checks=1
npm run lint || checks=1
mkdir -p test-output
status=0
npx vitest run --reporter=default --reporter=json --outputFile=test-output/vitest.json "$@" || status=$?
node scripts/test-summary.mjs test-output/vitest.json || true
if [ "$checks" -ne 0 ]; then echo "typecheck or lint failed (see above)"; [ "$status" -eq 0 ] && status=1; fi
exit $status
