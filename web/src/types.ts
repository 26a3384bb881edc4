// Shapes returned by the dispatcher's UI API (/api/ui): the types of its TypeBox response schemas
// (src/api/schemas/views.ts), one source with the server's serialization and its OpenAPI document
// (/api/ui/openapi.json). Type-only: nothing of TypeBox or the server reaches the bundle.
export type {
  Artifact,
  Edge,
  HookDelivery,
  HookWithDeliveries,
  Job,
  JobDetail,
  Pipeline,
  PipelineArtifact,
  PipelineDetail,
  Project,
  ProjectHooks,
  Runner,
  RunnerManager,
  Session,
  StageStatus,
  Status,
  Variable,
  ZipEntry,
} from '../../src/api/schemas/views.js';
