// Shapes returned by the dispatcher's UI API (/api/ui): the types of its TypeBox schemas
// (src/api/schemas/views.ts), the one source the server's view functions are checked against.
// Type-only: nothing of the server reaches the bundle.
export type {
  Artifact,
  Edge,
  Job,
  JobDetail,
  Pipeline,
  PipelineDetail,
  Project,
  Runner,
  RunnerManager,
  Session,
  Status,
  Variable,
  ZipEntry,
} from '../../src/api/schemas/views';
