// PendingSignal across nodes with PostgreSQL LISTEN/NOTIFY.
// States: connecting -> listening -> (connection error or end) -> reconnecting after a delay ->
// listening (LISTEN again). A failed reconnect tries again after the same delay, until close().
// Each node delivers its own publications locally at once and ignores its echo; on (re)connect it
// emits 'refresh' so listeners re-read the pending table (nothing published meanwhile is lost).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { localSignal } from '../local-signal.js';
import type { PendingEntry, PendingSignal } from '../ports.js';

const CHANNEL = 'gcd_pending';
const MAX_PAYLOAD = 7000;
const RECONNECT_MS = 500;

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
    const c = new pg.Client({ connectionString: opts.url, connectionTimeoutMillis: 5000 });
    // Before LISTEN succeeded, a failure is the caller's (start / reconnect) to handle.
    let listening = false;
    const onLost = () => {
      if (!listening) return;
      listening = false;
      if (client === c) client = null;
      c.end().catch(() => {});
      later();
    };
    c.on('error', onLost);
    c.on('end', () => {
      if (!closed) onLost();
    });
    c.on('notification', (msg) => {
      if (msg.channel !== CHANNEL || !msg.payload) return;
      try {
        const data = JSON.parse(msg.payload) as { n: string; e: PendingEntry[] | 'refresh' };
        if (data.n !== nodeId) local.emit(data.e);
      } catch {}
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      await c.end().catch(() => {});
      throw error;
    }
    if (closed) {
      await c.end().catch(() => {});
      return;
    }
    listening = true;
    client = c;
  };
  const later = () => {
    if (!closed && !timer) timer = setTimeout(() => void reconnect(), RECONNECT_MS);
  };
  const reconnect = async () => {
    timer = null;
    if (closed || client) return;
    try {
      await connect();
      // Publications missed while disconnected: listeners re-read the pending table.
      local.emit('refresh');
    } catch {
      later();
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
