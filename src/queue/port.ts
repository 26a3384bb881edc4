// The queue as the engine sees it: per-runner-class versions (X-GitLab-Last-Update) and parked
// long polls. The implementation is queue/parked-polls.ts, created here so the engine depends on
// this file only.
import type { PendingEntry, RunnerMatch } from '../store/ports.js';
import type { JobQueue, JobQueueOptions } from './job-queue.js';
import { createParkedPolls } from './parked-polls.js';

export type { JobQueue, JobQueueOptions } from './job-queue.js';
export const createJobQueue = (opts: JobQueueOptions): JobQueue => createParkedPolls(opts);
export type { PendingEntry, RunnerMatch };
export { matches, matchKey } from './matches.js';
