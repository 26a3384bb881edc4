// Shapes returned by the dispatcher's UI API (/api/ui): the types of its response schemas
// (src/api/schemas/views.ts, TypeBox), so the server's validation and serialization, its OpenAPI
// document (/api/ui/openapi.json) and these types are one source. Type-only imports: nothing of
// TypeBox reaches the browser bundle.
import type * as Api from '../../src/api/schemas/views';

export type Status = Api.Status;
export type Project = Api.ProjectSummary;
export type Pipeline = Api.PipelineView;
export type Job = Api.JobView;
export type Edge = Api.EdgeView;
export type PipelineDetail = Api.PipelineDetailView;
export type Artifact = Api.ArtifactView;
export type RunnerManager = Api.RunnerManagerView;
export type Runner = Api.RunnerView;
export type JobDetail = Api.JobDetailView;
export type ZipEntry = Api.ZipEntryView;
export type Variable = Api.VariableView;
export type Session = Api.SessionView;
