// What the UI API's routes accept, as TypeBox schemas: route parameters and query strings
// (strings converted to the declared types, e.g. "12" → 12) and JSON bodies (exact JSON types, no
// conversion: "3600" is not a number). Checked by validation.ts before a handler runs; a
// failure is a 400 `{error: "bad_request", message}`. Empty query values count as absent, and no
// string anywhere may contain NUL (plugin.ts). Pure TypeBox: no server imports.
import { Type, type Static } from '@sinclair/typebox';
import { RunnerAccessLevelSchema, StatusSchema } from './views.js';

/** The largest row id PostgreSQL's integer columns hold. */
const MAX_ROW_ID = 2_147_483_647;

export const RowId = Type.Integer({ minimum: 1, maximum: MAX_ROW_ID });
/** `:project`, `?project=`: a numeric id or a full path (URL-encoded in a path: `group%2Fdemo`). */
export const ProjectRef = Type.String({ minLength: 1, maxLength: 1024 });

export const IdParams = Type.Object({ id: RowId });
export const ProjectParams = Type.Object({ project: ProjectRef });
/** `:artifact` = an artifact id or a file type (`archive`, `junit`, …). */
export const ArtifactParams = Type.Object({ id: RowId, artifact: Type.String({ minLength: 1, maxLength: 255 }) });
export const ProtectedRefParams = Type.Object({ project: ProjectRef, name: Type.String({ minLength: 1, maxLength: 1024 }) });

export const PipelineListQuery = Type.Object({
  status: Type.Optional(StatusSchema),
  ref: Type.Optional(Type.String({ maxLength: 1024 })),
  /** At most 200 are listed; default 50. */
  limit: Type.Optional(RowId),
  /** A pipeline id: list the ones older than it (paging). */
  before: Type.Optional(RowId),
});
export type PipelineListQuery = Static<typeof PipelineListQuery>;
export const AllPipelinesQuery = Type.Composite([PipelineListQuery, Type.Object({ project: Type.Optional(ProjectRef) })]);

export const EventsQuery = Type.Object({
  project: Type.Optional(ProjectRef),
  pipeline: Type.Optional(RowId),
  job: Type.Optional(RowId),
  /** `1` or `true`: also send `trace` events (implied by `job`). */
  traces: Type.Optional(Type.String({ maxLength: 16 })),
});

/** `raw` (default: the log as stored, ranges allowed) or `plain` (no escape codes, markers or timestamps). */
export const TraceQuery = Type.Object({ format: Type.Optional(Type.Union([Type.Literal('raw'), Type.Literal('plain')])) });
export const TraceStreamQuery = Type.Object({ offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 999_999_999_999_999 })) });
export const ZipEntriesQuery = Type.Object({ limit: Type.Optional(RowId) });
export const ZipFileQuery = Type.Object({
  path: Type.String({ minLength: 1, maxLength: 4096 }),
  /** `1` or `true`: as an attachment. */
  download: Type.Optional(Type.String({ maxLength: 16 })),
});
export const VariablesQuery = Type.Object({ project: Type.Optional(ProjectRef) });

/** Non-blank, at most 512 characters (surrounding spaces are trimmed). */
export const SessionBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 512, pattern: '\\S' }) });

const VariableName = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,254}$' });
export const PlayBody = Type.Object({
  variables: Type.Optional(Type.Union([Type.Array(Type.Object({ key: VariableName, value: Type.String({ maxLength: 65536 }) }), { maxItems: 200 }), Type.Null()])),
});
export type PlayBody = Static<typeof PlayBody>;

export const RunnerBody = Type.Object({
  description: Type.Optional(Type.String({ maxLength: 1024 })),
  /** A list, or one comma-separated string. */
  tags: Type.Optional(Type.Union([Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 1000 }), Type.String({ maxLength: 65536 })])),
  runUntagged: Type.Optional(Type.Boolean()),
  locked: Type.Optional(Type.Boolean()),
  paused: Type.Optional(Type.Boolean()),
  accessLevel: Type.Optional(RunnerAccessLevelSchema),
  /** Seconds (at least 600), or null for none. */
  maximumTimeout: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
});
export type RunnerBody = Static<typeof RunnerBody>;

/** The key, size and maskable rules are the engine's (engine/variables.ts checkVariable): only types here. */
export const VariableBody = Type.Object({
  /** 1-255 letters, digits or _. */
  key: Type.String(),
  /** At most 64 KiB; a masked value: at least 8 characters, on one line, without spaces. */
  value: Type.String(),
  masked: Type.Optional(Type.Boolean()),
  protected: Type.Optional(Type.Boolean()),
  file: Type.Optional(Type.Boolean()),
  raw: Type.Optional(Type.Boolean()),
  /** A project id or path; none = an instance variable. `projectId` is the same. */
  project: Type.Optional(Type.Union([Type.String({ maxLength: 1024 }), RowId, Type.Null()])),
  projectId: Type.Optional(Type.Union([Type.String({ maxLength: 1024 }), RowId, Type.Null()])),
});

export const ProtectedRefBody = Type.Object({ name: Type.String({ maxLength: 1024 }) });

/** The sign-in link `run` prints: any strings (a wrong one is the HTML "not valid" page, not a 400). */
export const LocalSessionQuery = Type.Object({ code: Type.Optional(Type.String()), to: Type.Optional(Type.String()) });

/** Deliveries listed per hook: default 20, at most 100 (a larger limit lists 100). */
export const HooksQuery = Type.Object({ limit: Type.Optional(RowId) });

/** "Run pipeline": a branch or tag name (trimmed, at most 255 characters) and pipeline variables. */
export const RunPipelineBody = Type.Object({
  ref: Type.String({ maxLength: 1024 }),
  variables: Type.Optional(
    Type.Union([
      Type.Array(Type.Object({ key: Type.String({ maxLength: 255, pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), value: Type.Optional(Type.String({ maxLength: 65536 })) }), { maxItems: 200 }),
      Type.Null(),
    ]),
  ),
});
export type RunPipelineBody = Static<typeof RunPipelineBody>;
