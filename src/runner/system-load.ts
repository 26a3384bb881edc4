// Whether the machine can take another job: the 1-minute load average and the free memory
// against configured thresholds (the runner refuses new jobs while either is crossed).
import os from 'node:os';

export interface SystemStats {
  /** 1-minute load average. */
  load1: number;
  freeMemoryBytes: number;
}

export interface LoadLimits {
  /** Refuse new jobs while load1 is above this. */
  maxLoad?: number;
  /** Refuse new jobs while free memory is below this. */
  minFreeMemoryBytes?: number;
  /** How often to look again while refusing. Default 5 s. */
  checkIntervalMs?: number;
  /** Injectable for tests and for cgroup-aware callers. */
  stats?: () => SystemStats;
}

export const osStats = (): SystemStats => ({ load1: os.loadavg()[0], freeMemoryBytes: os.freemem() });

/** Null when a job may be taken, else why not. */
export function overloaded(limits: LoadLimits | undefined): string | null {
  if (!limits || (limits.maxLoad === undefined && limits.minFreeMemoryBytes === undefined)) return null;
  const s = (limits.stats ?? osStats)();
  if (limits.maxLoad !== undefined && s.load1 > limits.maxLoad) return `load average ${s.load1.toFixed(2)} above ${limits.maxLoad}`;
  if (limits.minFreeMemoryBytes !== undefined && s.freeMemoryBytes < limits.minFreeMemoryBytes) {
    return `free memory ${s.freeMemoryBytes} bytes below ${limits.minFreeMemoryBytes}`;
  }
  return null;
}
