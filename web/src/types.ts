// Shapes returned by the dispatcher's UI API (/api/ui), as far as the UI uses them.
export type Status =
  | 'created' | 'waiting_for_resource' | 'pending' | 'running' | 'success' | 'failed'
  | 'canceling' | 'canceled' | 'skipped' | 'manual' | 'scheduled';

export interface Project {
  id: number;
  path: string;
  name: string;
  defaultBranch: string;
  createdAt: string;
  lastPipeline?: Pipeline | null;
}

export interface Pipeline {
  id: number;
  projectId: number;
  iid: number;
  ref: string;
  isTag: boolean;
  sha: string;
  source: string;
  status: Status;
  name: string | null;
  stages: string[];
  commitMessage: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  duration: number | null;
  projectPath?: string;
  variables: { key: string }[];
  /** "config_error" when .gitlab-ci.yml was invalid (then yamlErrors lists why, and there are no jobs). */
  failureReason?: string | null;
  yamlErrors?: { file: string; line: number; column: number; message: string }[] | null;
  /** Who the pipeline is for (the pushing or starting token, else the commit's author). */
  commit?: { authorName: string; user: { id: number; login: string; name: string } } | null;
  /** In lists: each stage's composite status (the mini graph). */
  stageSummary?: { name: string; status: Status; warning: boolean; jobs: number }[];
  /** In lists: passed with allowed failures (GitLab's orange warning). */
  warning?: boolean;
}

export interface Job {
  id: number;
  pipelineId: number;
  projectId: number;
  name: string;
  stage: string;
  stageIndex: number;
  status: Status;
  when: string;
  allowFailure: boolean;
  manual: boolean;
  needs: string[] | null;
  attempt: number;
  retried: boolean;
  runnerId: number | null;
  failureReason: string | null;
  exitCode: number | null;
  createdAt: string;
  queuedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  scheduledAt: string | null;
  duration: number | null;
  queuedDuration: number | null;
  traceSize: number;
  timeout: number;
}

export interface Edge {
  jobId: number;
  needsJobId: number;
  explicit: boolean;
}

export interface PipelineDetail {
  pipeline: Pipeline;
  project: Project;
  jobs: Job[];
  edges: Edge[];
}

export interface Artifact {
  id: number;
  jobId: number;
  fileType: string;
  fileFormat: string;
  filename: string;
  size: number;
  expireAt: string | null;
  createdAt: string;
}

export interface PipelineArtifact extends Artifact {
  jobName: string;
}

export interface RunnerManager {
  systemId: string;
  name: string;
  version: string;
  revision: string;
  platform: string;
  architecture: string;
  executor: string;
  shell: string;
  contactedAt: string;
}

export interface Runner {
  id: number;
  description: string;
  tags: string[];
  runUntagged: boolean;
  locked: boolean;
  paused: boolean;
  accessLevel: string;
  projectId: number | null;
  contactedAt: string | null;
  createdAt: string;
  status: 'online' | 'offline' | 'never_contacted';
  managers?: RunnerManager[];
}

export interface JobDetail {
  job: Job;
  spec: {
    tags: string[];
    image: string | null;
    services: string[];
    environment: { name: string; url: string | null } | null;
    timeout: number | null;
    script: string[];
    variableKeys: string[];
    playVariableKeys: string[];
  };
  pipeline: Pipeline | null;
  project: Project | null;
  runner: Runner | null;
  runnerManager: RunnerManager | null;
  attempts: { id: number; attempt: number; status: Status; retried: boolean; createdAt: string; failureReason: string | null }[];
  artifacts: Artifact[];
}

export interface ZipEntry {
  path: string;
  directory: boolean;
  size: number;
  compressedSize: number;
  modifiedAt: string;
}

export interface Variable {
  id: number;
  projectId: number | null;
  key: string;
  value: string | null;
  masked: boolean;
  protected: boolean;
  file: boolean;
  raw: boolean;
}

export interface Session {
  authenticated: boolean;
  name: string | null;
  scope: 'admin' | 'user' | null;
  anonymousRead: boolean;
}
