// Numbered migrations, applied in order at open. Each is plain SQL in which `{id}` stands for the
// dialect's auto-increment primary key and `{big}` for a 64-bit integer. Append only: never edit
// a migration that has shipped, add the next number.
export type Dialect = 'sqlite' | 'postgres';

export interface Migration {
  version: number;
  name: string;
  sql: string[];
  /** Extra statements for one dialect only. */
  sqlite?: string[];
  postgres?: string[];
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: [
      `CREATE TABLE settings (key text PRIMARY KEY, value text NOT NULL)`,
      `CREATE TABLE projects (id {id}, path text NOT NULL UNIQUE, name text NOT NULL, default_branch text NOT NULL,
        created_at text NOT NULL, pipeline_seq integer NOT NULL DEFAULT 0)`,
      `CREATE TABLE pipelines (id {id}, project_id integer NOT NULL, iid integer NOT NULL, ref text NOT NULL,
        is_tag integer NOT NULL, sha text NOT NULL, before_sha text NOT NULL, source text NOT NULL, status text NOT NULL,
        name text, stages text NOT NULL, variables text NOT NULL, commit_message text NOT NULL, created_at text NOT NULL,
        started_at text, finished_at text, parent_pipeline_id integer)`,
      `CREATE INDEX pipelines_project_ref ON pipelines (project_id, ref, id)`,
      `CREATE INDEX pipelines_status ON pipelines (status)`,
      `CREATE TABLE jobs (id {id}, pipeline_id integer NOT NULL, project_id integer NOT NULL, name text NOT NULL,
        stage text NOT NULL, stage_index integer NOT NULL, status text NOT NULL, spec text NOT NULL,
        attempt integer NOT NULL, retried integer NOT NULL DEFAULT 0, runner_id integer, system_id text,
        failure_reason text, exit_code integer, play_variables text NOT NULL, created_at text NOT NULL,
        queued_at text, started_at text, finished_at text, scheduled_at text, last_activity_at text,
        trace_size {big} NOT NULL DEFAULT 0, deadline_at text, timeout integer NOT NULL, token_hash text,
        when_ text NOT NULL, allow_failure integer NOT NULL, stage_ordered integer NOT NULL,
        resource_group text, interruptible integer NOT NULL)`,
      `CREATE INDEX jobs_pipeline ON jobs (pipeline_id, stage_index)`,
      `CREATE INDEX jobs_status ON jobs (status, id)`,
      `CREATE INDEX jobs_token ON jobs (token_hash)`,
      `CREATE TABLE job_edges (job_id integer NOT NULL, needs_job_id integer NOT NULL, explicit integer NOT NULL,
        artifacts integer NOT NULL, optional integer NOT NULL, PRIMARY KEY (job_id, needs_job_id))`,
      `CREATE INDEX job_edges_needs ON job_edges (needs_job_id)`,
      `CREATE TABLE pending_jobs (job_id integer PRIMARY KEY, project_id integer NOT NULL, protected integer NOT NULL,
        tag_count integer NOT NULL, features integer NOT NULL)`,
      `CREATE TABLE pending_job_tags (job_id integer NOT NULL, tag text NOT NULL, PRIMARY KEY (job_id, tag))`,
      `CREATE TABLE runners (id {id}, token_hash text NOT NULL UNIQUE, token_kind text NOT NULL, description text NOT NULL,
        tags text NOT NULL, run_untagged integer NOT NULL, locked integer NOT NULL, paused integer NOT NULL,
        access_level text NOT NULL, maximum_timeout integer, project_id integer, created_at text NOT NULL,
        contacted_at text, token_expires_at text)`,
      `CREATE TABLE runner_managers (runner_id integer NOT NULL, system_id text NOT NULL, name text NOT NULL,
        version text NOT NULL, revision text NOT NULL, platform text NOT NULL, architecture text NOT NULL,
        executor text NOT NULL, shell text NOT NULL, features text NOT NULL, contacted_at text NOT NULL,
        PRIMARY KEY (runner_id, system_id))`,
      `CREATE TABLE api_tokens (id {id}, name text NOT NULL, scope text NOT NULL, token_hash text NOT NULL UNIQUE,
        created_at text NOT NULL)`,
      `CREATE TABLE ci_variables (id {id}, project_id integer, key text NOT NULL, value text NOT NULL,
        masked integer NOT NULL, protected integer NOT NULL, file integer NOT NULL, raw integer NOT NULL)`,
      `CREATE TABLE artifacts (id {id}, job_id integer NOT NULL, pipeline_id integer NOT NULL, file_type text NOT NULL,
        file_format text NOT NULL, filename text NOT NULL, size {big} NOT NULL, storage_key text NOT NULL,
        sha256 text NOT NULL, expire_at text, created_at text NOT NULL)`,
      `CREATE INDEX artifacts_job ON artifacts (job_id)`,
      `CREATE TABLE job_dotenv (job_id integer NOT NULL, position integer NOT NULL, key text NOT NULL,
        value text NOT NULL, PRIMARY KEY (job_id, position))`,
      `CREATE TABLE resource_groups (project_id integer NOT NULL, key text NOT NULL, process_mode text NOT NULL,
        holder_job_id integer, PRIMARY KEY (project_id, key))`,
    ],
  },
  {
    version: 2,
    name: 'a job leaving pending leaves the pending table (trigger; the SQLite claim is one statement)',
    sql: [],
    sqlite: [
      `CREATE TRIGGER jobs_left_pending AFTER UPDATE OF status ON jobs
        WHEN OLD.status = 'pending' AND NEW.status <> 'pending'
        BEGIN
          DELETE FROM pending_jobs WHERE job_id = OLD.id;
          DELETE FROM pending_job_tags WHERE job_id = OLD.id;
        END`,
    ],
    postgres: [
      `CREATE FUNCTION gcd_jobs_left_pending() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          DELETE FROM pending_jobs WHERE job_id = OLD.id;
          DELETE FROM pending_job_tags WHERE job_id = OLD.id;
          RETURN NULL;
        END $$`,
      `CREATE TRIGGER jobs_left_pending AFTER UPDATE OF status ON jobs FOR EACH ROW
        WHEN (OLD.status = 'pending' AND NEW.status <> 'pending') EXECUTE FUNCTION gcd_jobs_left_pending()`,
    ],
  },
  {
    version: 3,
    name: 'covering indexes for per-stage summaries and created-job lookups',
    sql: [
      `CREATE INDEX jobs_summary ON jobs (pipeline_id, retried, stage_index, status, allow_failure)`,
      `CREATE INDEX jobs_pipeline_status ON jobs (pipeline_id, status, stage_index)`,
    ],
  },
  {
    version: 4,
    name: 'workflow:auto_cancel:on_job_failure per pipeline',
    sql: [`ALTER TABLE pipelines ADD COLUMN auto_cancel_on_failure integer NOT NULL DEFAULT 0`],
  },
  {
    version: 5,
    name: 'claim order for untagged runners without a sort',
    sql: [`CREATE INDEX pending_jobs_untagged ON pending_jobs (tag_count, job_id)`],
  },
  {
    version: 6,
    name: 'protected branches and tags per project; pipelines.protected decided at creation',
    sql: [
      `CREATE TABLE protected_refs (id {id}, project_id integer NOT NULL, kind text NOT NULL, name text NOT NULL,
        created_at text NOT NULL, UNIQUE (project_id, kind, name))`,
      `ALTER TABLE pipelines ADD COLUMN protected integer NOT NULL DEFAULT 0`,
      // GitLab protects the default branch of every project; no tag until a rule says so.
      `INSERT INTO protected_refs (project_id, kind, name, created_at) SELECT id, 'branch', default_branch, created_at FROM projects`,
      `UPDATE pipelines SET protected = 1
        WHERE is_tag = 0 AND ref = (SELECT default_branch FROM projects WHERE projects.id = pipelines.project_id)`,
      // jobs already queued follow their pipeline (tags used to count as protected here)
      `UPDATE pending_jobs SET protected = COALESCE((SELECT p.protected FROM jobs j JOIN pipelines p ON p.id = j.pipeline_id
        WHERE j.id = pending_jobs.job_id), 0)`,
    ],
  },
  {
    version: 7,
    name: 'child pipelines by parent (bridge lookups, hierarchy limits, cancel cascade)',
    sql: [`CREATE INDEX pipelines_parent ON pipelines (parent_pipeline_id, name)`],
  },
  {
    version: 8,
    name: 'pipelines that failed on their configuration: failure_reason (config_error) and yaml_errors (JSON diagnostics)',
    sql: [`ALTER TABLE pipelines ADD COLUMN failure_reason text`, `ALTER TABLE pipelines ADD COLUMN yaml_errors text`],
  },
  {
    version: 9,
    name: 'artifacts removed by expiry leave a mark, so a job needing them fails with missing_dependency_failure',
    sql: [
      `CREATE TABLE removed_artifacts (job_id integer NOT NULL, file_type text NOT NULL, removed_at text NOT NULL,
        PRIMARY KEY (job_id, file_type))`,
      `CREATE INDEX artifacts_expire_at ON artifacts (expire_at)`,
    ],
  },
  {
    version: 10,
    name: "pipelines.commit_info: the commit's author, date, tag message and the pipeline's user (JSON)",
    sql: [`ALTER TABLE pipelines ADD COLUMN commit_info text`],
  },
  {
    version: 11,
    name: 'users (root is the administrator) and GitLab access tokens: every API token belongs to a user (admin tokens to root, each user token to a user of its own), with scopes, an optional project, expiry and revocation',
    sql: [
      `CREATE TABLE users (id {id}, username text NOT NULL UNIQUE, name text NOT NULL, email text NOT NULL,
        is_admin integer NOT NULL, bot integer NOT NULL DEFAULT 0, state text NOT NULL DEFAULT 'active', created_at text NOT NULL)`,
      `ALTER TABLE api_tokens ADD COLUMN user_id integer`,
      `ALTER TABLE api_tokens ADD COLUMN scopes text NOT NULL DEFAULT '["api"]'`,
      `ALTER TABLE api_tokens ADD COLUMN project_id integer`,
      `ALTER TABLE api_tokens ADD COLUMN access_level integer`,
      `ALTER TABLE api_tokens ADD COLUMN expires_at text`,
      `ALTER TABLE api_tokens ADD COLUMN revoked integer NOT NULL DEFAULT 0`,
      `CREATE INDEX api_tokens_user ON api_tokens (user_id, id)`,
      `CREATE INDEX api_tokens_project ON api_tokens (project_id, id)`,
    ],
    // root first, then existing tokens become access tokens: admin tokens are root's, each user token gets a user of its own
    sqlite: [
      `INSERT INTO users (username, name, email, is_admin, created_at) VALUES ('root', 'Administrator', 'admin@localhost', 1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`,
      `INSERT INTO users (username, name, email, is_admin, created_at)
        SELECT 'token-' || CAST(id AS text), name, 'token-' || CAST(id AS text) || '@noreply.localhost', 0, created_at FROM api_tokens WHERE scope = 'user'`,
      `UPDATE api_tokens SET user_id = (SELECT id FROM users WHERE username = 'root') WHERE scope = 'admin'`,
      `UPDATE api_tokens SET user_id = (SELECT u.id FROM users u WHERE u.username = 'token-' || CAST(api_tokens.id AS text)) WHERE scope = 'user'`,
    ],
    postgres: [
      `INSERT INTO users (username, name, email, is_admin, created_at) VALUES ('root', 'Administrator', 'admin@localhost', 1, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`,
      `INSERT INTO users (username, name, email, is_admin, created_at)
        SELECT 'token-' || CAST(id AS text), name, 'token-' || CAST(id AS text) || '@noreply.localhost', 0, created_at FROM api_tokens WHERE scope = 'user'`,
      `UPDATE api_tokens SET user_id = (SELECT id FROM users WHERE username = 'root') WHERE scope = 'admin'`,
      `UPDATE api_tokens SET user_id = (SELECT u.id FROM users u WHERE u.username = 'token-' || CAST(api_tokens.id AS text)) WHERE scope = 'user'`,
    ],
  },
  {
    version: 12,
    name: 'CI/CD variables: environment_scope (GitLab: a variable applies to jobs whose environment matches) and description; jobs by runner',
    sql: [
      `CREATE INDEX jobs_runner ON jobs (runner_id, id)`,
      `ALTER TABLE ci_variables ADD COLUMN environment_scope text NOT NULL DEFAULT '*'`,
      `ALTER TABLE ci_variables ADD COLUMN description text`,
    ],
  },
  {
    version: 13,
    name: 'junit test reports: counts per job (test_reports) and their cases (test_cases)',
    sql: [
      `CREATE TABLE test_reports (job_id integer PRIMARY KEY, pipeline_id integer NOT NULL, total integer NOT NULL,
        success integer NOT NULL, failed integer NOT NULL, skipped integer NOT NULL, error integer NOT NULL,
        total_time double precision NOT NULL, suite_error text)`,
      `CREATE INDEX test_reports_pipeline ON test_reports (pipeline_id)`,
      `CREATE TABLE test_cases (job_id integer NOT NULL, position integer NOT NULL, status text NOT NULL, name text NOT NULL,
        classname text NOT NULL, file text, execution_time double precision NOT NULL, system_output text, stack_trace text,
        PRIMARY KEY (job_id, position))`,
    ],
  },
  {
    version: 14,
    name: 'REST pipeline lists (newest first per project, by status or sha); erased jobs (GitLab erased_at)',
    sql: [
      `CREATE TABLE erased_jobs (job_id integer PRIMARY KEY, erased_at text NOT NULL)`,
      `CREATE INDEX pipelines_project_id ON pipelines (project_id, id)`,
      `CREATE INDEX pipelines_project_status ON pipelines (project_id, status, id)`,
      `CREATE INDEX pipelines_project_sha ON pipelines (project_id, sha)`,
      `CREATE INDEX pipelines_project_ref_status ON pipelines (project_id, ref, status, id)`,
      // GitLab's updated_at (order_by=updated_at, updated_after/before): the latest timestamp
      `CREATE INDEX pipelines_project_updated ON pipelines (project_id, (COALESCE(finished_at, started_at, created_at)), id)`,
    ],
  },
  {
    version: 15,
    name: 'pipeline trigger tokens per project (token stored hashed; its first 4 characters shown, as GitLab does)',
    sql: [
      `CREATE TABLE pipeline_triggers (id {id}, project_id integer NOT NULL, description text NOT NULL, token_hash text NOT NULL UNIQUE,
        token_prefix text NOT NULL, owner_name text, created_at text NOT NULL, updated_at text NOT NULL, last_used_at text)`,
      `CREATE INDEX pipeline_triggers_project ON pipeline_triggers (project_id, id)`,
    ],
  },
  {
    version: 16,
    name: 'pipeline schedules (cron, time zone, next_run_at claimed by one conditional UPDATE) and their variables',
    sql: [
      `CREATE TABLE pipeline_schedules (id {id}, project_id integer NOT NULL, description text NOT NULL, ref text NOT NULL,
        cron text NOT NULL, cron_timezone text NOT NULL, active integer NOT NULL, next_run_at text, last_pipeline_id integer,
        owner_name text, created_at text NOT NULL, updated_at text NOT NULL)`,
      `CREATE INDEX pipeline_schedules_due ON pipeline_schedules (active, next_run_at)`,
      `CREATE INDEX pipeline_schedules_project ON pipeline_schedules (project_id, id)`,
      `CREATE TABLE pipeline_schedule_variables (schedule_id integer NOT NULL, key text NOT NULL, value text NOT NULL,
        variable_type text NOT NULL, PRIMARY KEY (schedule_id, key))`,
    ],
  },
  {
    version: 17,
    name: 'project webhooks, their queued/delivered events (the delivery log), and external commit statuses',
    sql: [
      `CREATE TABLE project_hooks (id {id}, project_id integer NOT NULL, url text NOT NULL, token text,
        push_events integer NOT NULL, pipeline_events integer NOT NULL, job_events integer NOT NULL,
        enable_ssl_verification integer NOT NULL, created_at text NOT NULL)`,
      `CREATE INDEX project_hooks_project ON project_hooks (project_id, id)`,
      `CREATE TABLE hook_deliveries (id {id}, hook_id integer NOT NULL, project_id integer NOT NULL, event text NOT NULL,
        uuid text NOT NULL, payload text NOT NULL, status text NOT NULL, attempts integer NOT NULL DEFAULT 0,
        next_attempt_at text NOT NULL, locked_until text, response_status integer, response_body text, duration_ms integer,
        error text, created_at text NOT NULL, finished_at text)`,
      `CREATE INDEX hook_deliveries_due ON hook_deliveries (status, next_attempt_at)`,
      `CREATE INDEX hook_deliveries_hook ON hook_deliveries (hook_id, id)`,
      `CREATE TABLE commit_statuses (id {id}, project_id integer NOT NULL, sha text NOT NULL, ref text, name text NOT NULL,
        status text NOT NULL, target_url text, description text, coverage real, pipeline_id integer, author_name text,
        created_at text NOT NULL, started_at text, finished_at text, updated_at text NOT NULL)`,
      `CREATE INDEX commit_statuses_sha ON commit_statuses (project_id, sha, id)`,
    ],
  },
  {
    version: 18,
    name: 'project webhooks: tag_push_events (GitLab default off); every pipeline a schedule created (pipeline_schedule_runs)',
    sql: [
      `ALTER TABLE project_hooks ADD COLUMN tag_push_events integer NOT NULL DEFAULT 0`,
      `CREATE TABLE pipeline_schedule_runs (schedule_id integer NOT NULL, pipeline_id integer NOT NULL, PRIMARY KEY (schedule_id, pipeline_id))`,
      `INSERT INTO pipeline_schedule_runs (schedule_id, pipeline_id) SELECT id, last_pipeline_id FROM pipeline_schedules WHERE last_pipeline_id IS NOT NULL`,
    ],
  },
];

export function migrationSql(statement: string, dialect: Dialect): string {
  const id = dialect === 'sqlite' ? 'integer PRIMARY KEY AUTOINCREMENT' : 'integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY';
  return statement.replaceAll('{id}', id).replaceAll('{big}', dialect === 'sqlite' ? 'integer' : 'bigint');
}
