// The pipeline status badge, `GET /:namespace/:project/badges/:ref/pipeline.svg` (also under
// `/-/badges/`), as GitLab draws it: "pipeline" on grey, then the status of the ref's latest
// pipeline in GitLab's colours (passed, failed, running, pending, canceled, skipped, unknown…).
// `ignore_skipped=true` looks past skipped pipelines; `key_text` and `key_width` as in GitLab.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Coordinator } from '../engine/coordinator.js';
import type { Pipeline } from '../engine/model.js';

const COLORS: Record<string, string> = {
  passed: '#4c1',
  failed: '#e05d44',
  running: '#dfb317',
  pending: '#dfb317',
  preparing: '#a7a7a7',
  canceled: '#9f9f9f',
  skipped: '#9f9f9f',
  manual: '#1f78d1',
  scheduled: '#1f78d1',
  created: '#9f9f9f',
  unknown: '#9f9f9f',
};

/** GitLab's badge text of a pipeline status. */
export function badgeStatus(pipeline: Pipeline | null): string {
  if (!pipeline) return 'unknown';
  if (pipeline.status === 'success') return 'passed';
  if (pipeline.status === 'waiting_for_resource') return 'pending';
  if (pipeline.status === 'canceling') return 'canceled';
  return pipeline.status in COLORS ? pipeline.status : 'unknown';
}

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
const textWidth = (s: string) => Math.round(s.length * 6.5 + 10);

export function badgeSvg(status: string, opts: { keyText?: string; keyWidth?: number } = {}): string {
  const key = opts.keyText ?? 'pipeline';
  const keyWidth = opts.keyWidth ?? (key === 'pipeline' ? 62 : textWidth(key));
  const valueWidth = Math.max(54, textWidth(status));
  const width = keyWidth + valueWidth;
  const color = COLORS[status] ?? COLORS.unknown;
  const k = escapeXml(key);
  const v = escapeXml(status);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20">
  <linearGradient id="b" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>
  <mask id="a"><rect width="${width}" height="20" rx="3" fill="#fff"/></mask>
  <g mask="url(#a)">
    <path fill="#555" d="M0 0 h${keyWidth} v20 H0 z"/>
    <path fill="${color}" d="M${keyWidth} 0 h${valueWidth} v20 H${keyWidth} z"/>
    <path fill="url(#b)" d="M0 0 h${width} v20 H0 z"/>
  </g>
  <g fill="#fff" text-anchor="middle" font-family="DejaVu Sans,Verdana,Geneva,sans-serif" font-size="11">
    <text x="${keyWidth / 2}" y="15" fill="#010101" fill-opacity=".3">${k}</text>
    <text x="${keyWidth / 2}" y="14">${k}</text>
    <text x="${keyWidth + valueWidth / 2}" y="15" fill="#010101" fill-opacity=".3">${v}</text>
    <text x="${keyWidth + valueWidth / 2}" y="14">${v}</text>
  </g>
</svg>
`;
}

export interface BadgeRouteOptions {
  coordinator: Coordinator;
  /** Read access to the project (anonymous when the server allows anonymous reads): throws otherwise. */
  mayRead(request: FastifyRequest): Promise<void>;
}

/** The latest pipeline of a ref that is not a child pipeline (skipped ones ignored on request). */
export async function latestRefPipeline(coordinator: Coordinator, projectId: number, ref: string, ignoreSkipped: boolean): Promise<Pipeline | null> {
  const list = await coordinator.read.pipelines({ projectId, ref, limit: 50 });
  return list.find((p) => p.source !== 'parent_pipeline' && !(ignoreSkipped && p.status === 'skipped')) ?? null;
}

export function pipelineBadgeRoutes(app: FastifyInstance, opts: BadgeRouteOptions): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const params = request.params as Record<string, string>;
    const segments = Object.keys(params)
      .filter((k) => /^p\d+$/.test(k))
      .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))
      .map((k) => params[k]);
    const q = request.query as Record<string, string | undefined>;
    const keyWidth = q.key_width !== undefined ? Number(q.key_width) : undefined;
    const keyText = typeof q.key_text === 'string' && q.key_text.length <= 64 ? q.key_text : undefined;
    let status = 'unknown';
    try {
      await opts.mayRead(request);
      const project = await opts.coordinator.read.projectByPath(segments.join('/'));
      if (project) status = badgeStatus(await latestRefPipeline(opts.coordinator, project.id, params.ref, q.ignore_skipped === 'true'));
    } catch {
      // no access or no project: GitLab draws "unknown" rather than telling which
    }
    return reply
      .header('content-type', 'image/svg+xml')
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .send(badgeSvg(status, { keyText, keyWidth: keyWidth !== undefined && Number.isInteger(keyWidth) && keyWidth > 0 && keyWidth < 512 ? keyWidth : undefined }));
  };
  for (let depth = 2; depth <= 8; depth++) {
    const base = `/${Array.from({ length: depth }, (_, i) => `:p${i}`).join('/')}`;
    app.get(`${base}/badges/:ref/pipeline.svg`, handler);
    app.get(`${base}/-/badges/:ref/pipeline.svg`, handler);
  }
}
