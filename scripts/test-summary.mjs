// Prints the suite's closing line in the plain form "Tests: N passed, N failed, N skipped".
// A test file that fails before any of its tests runs (an import error, a required service
// missing) counts as one failed test, and is named, so the line never says 0 failed on a red run.
import { readFileSync } from 'node:fs';
import path from 'node:path';
const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const passed = report.numPassedTests ?? 0;
const broken = (report.testResults ?? []).filter(
  (r) => r.status === 'failed' && !(r.assertionResults ?? []).some((a) => a.status === 'failed'),
);
for (const r of broken) {
  console.log(`failed to run: ${path.relative(process.cwd(), r.name)}: ${(r.message ?? '').split('\n')[0]}`);
}
const failed = (report.numFailedTests ?? 0) + broken.length;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
