// Benchmark helper: a keep-alive HTTP client and latency statistics.
import http from 'node:http';

export const agent = new http.Agent({ keepAlive: true, maxSockets: 2048 });

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export function request(url: string, init: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method ?? 'GET', headers: init.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function summary(latenciesMs: number[]): string {
  const s = [...latenciesMs].sort((a, b) => a - b);
  return `n=${s.length} p50=${percentile(s, 50).toFixed(2)}ms p99=${percentile(s, 99).toFixed(2)}ms max=${s[s.length - 1]?.toFixed(2)}ms`;
}

export const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
