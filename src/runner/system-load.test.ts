import { describe, expect, it } from 'vitest';
import { overloaded } from './system-load.js';

describe('overloaded', () => {
  it('refuses past the load or free-memory thresholds, accepts otherwise', () => {
    const stats = (load1: number, freeMemoryBytes: number) => () => ({ load1, freeMemoryBytes });
    expect(overloaded(undefined)).toBeNull();
    expect(overloaded({ maxLoad: 2, stats: stats(1, 1) })).toBeNull();
    expect(overloaded({ maxLoad: 2, stats: stats(3, 1) })).toMatch(/load average 3\.00 above 2/);
    expect(overloaded({ minFreeMemoryBytes: 1000, stats: stats(0, 999) })).toMatch(/free memory 999 bytes below 1000/);
    expect(overloaded({ minFreeMemoryBytes: 1000, stats: stats(0, 5000) })).toBeNull();
  });
});
