// PendingSignal across nodes with PostgreSQL LISTEN/NOTIFY.
// States: connecting -> listening -> (connection error) -> reconnecting after a delay -> listening.
// Each node delivers its own publications locally at once and ignores its echo; on (re)connect it
// emits 'refresh' so listeners re-read the pending table (nothing published meanwhile is lost).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { localSignal } from '../local-signal.js';
import type { PendingEntry, PendingSignal } from '../ports.js';

const CHANNEL = 'gcd_pending';
const MAX_PAYLOAD = 7000;

export function pgSignal(opts: { url: string; notify: (channel: string, payload: string) => Promise<void> }): PendingSignal & {
  start(): Promise<void>;
  close(): Promise<void>;
} {
  const local = localSignal();
  const nodeId = randomBytes(6).toString('hex');
  let client: pg.Client | null = null;
  let closed = false;
  let timer: NodeJS.Timeout | null = null;

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: opts.url });
    c.on('error', () => {
      if (client === c) client = null;
      c.end().catch(() => {});
      if (!closed && !timer) timer = setTimeout(() => void reconnect(), 1000);
    });
    c.on('notification', (msg) => {
      if (msg.channel !== CHANNEL || !msg.payload) return;
      try {
        const data = JSON.parse(msg.payload) as { n: string; e: PendingEntry[] | 'refresh' };
        if (data.n !== nodeId) local.emit(data.e);
      } catch {}
    });
    await c.connect();
    await c.query(`LISTEN ${CHANNEL}`);
    client = c;
  };
  const reconnect = async () => {
    timer = null;
    if (closed) return;
    try {
      await connect();
      local.emit('refresh');
    } catch {
      if (!closed) timer = setTimeout(() => void reconnect(), 1000);
    }
  };

  return {
    start: connect,
    async publish(entries) {
      if (!entries.length) return;
      local.emit(entries);
      let payload = JSON.stringify({ n: nodeId, e: entries });
      if (payload.length > MAX_PAYLOAD) payload = JSON.stringify({ n: nodeId, e: 'refresh' });
      await opts.notify(CHANNEL, payload);
    },
    subscribe: (l) => local.subscribe(l),
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      const c = client;
      client = null;
      if (c) await c.end().catch(() => {});
    },
  };
}
