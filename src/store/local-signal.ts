// In-process PendingSignal: delivers published entries synchronously to this process's listeners.
import type { PendingEntry, PendingSignal } from './ports.js';

export function localSignal(): PendingSignal & { emit(entries: PendingEntry[] | 'refresh'): void } {
  const listeners = new Set<(entries: PendingEntry[] | 'refresh') => void>();
  const emit = (entries: PendingEntry[] | 'refresh') => {
    for (const l of listeners) l(entries);
  };
  return {
    emit,
    async publish(entries) {
      if (entries.length) emit(entries);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
