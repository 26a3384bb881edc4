// `gitlab-ci-dispatcher lint [DIR]`: compiles DIR's .gitlab-ci.yml for a ref/source and prints
// diagnostics like a compiler (file:line:col: error: …) and a compact plan table, or one JSON
// object with --json. Exit 0 when valid, 2 when not.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { compile, formatDiagnostic, planToLintJson, type CompileContext, type CompileOptions, type PipelinePlan } from '../../ci/index.js';
import { projectFilesFromDir } from '../project-files-from-dir.js';
import type { RegisterCommand } from './types.js';
import { collect, parseKeyValues } from '../args.js';


function git(dir: string, args: string[]): string | null {
  try {
    const out = execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return out || null;
  } catch {
    return null;
  }
}

function readInside(root: string, rel: string): string | undefined {
  const full = path.resolve(root, rel);
  if (!full.startsWith(path.resolve(root) + path.sep)) return undefined;
  try {
    return readFileSync(full, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * `include: template/project/component` read from local directories standing in for them:
 * templates/<name>, projects/<group/project>/<file>, components/<group/project>/templates/<name>.yml
 * (or .../templates/<name>/template.yml). Remote includes stay unavailable offline.
 */
export function externalIncludeFromDirs(dirs: NonNullable<CompileContext['includeDirs']>): CompileOptions['externalInclude'] {
  return (kind, location) => {
    if (kind === 'template' && dirs.templates) return readInside(dirs.templates, location.replace(/^\/+/, ''));
    if (kind === 'project' && dirs.projects) return readInside(dirs.projects, location.replace(/@[^/]*$/, ''));
    if (kind === 'component' && dirs.components) {
      const [where] = location.split('@');
      const parts = where.split('/').slice(1); // drop the server host
      const name = parts.pop() ?? '';
      const project = parts.join('/');
      return readInside(dirs.components, `${project}/templates/${name}.yml`) ?? readInside(dirs.components, `${project}/templates/${name}/template.yml`);
    }
    return undefined;
  };
}

function planTable(plan: PipelinePlan): string {
  if (!plan.workflow.created) return 'workflow:rules: no pipeline is created for this ref and source\n';
  const rows = plan.jobs.map((j) => [
    j.stage,
    j.name,
    j.when === 'delayed' && j.startIn !== null ? `delayed ${j.startIn}s` : j.when,
    j.allowFailure ? 'yes' : '',
    j.needs === null ? '(stage)' : j.needs.length === 0 ? '[]' : j.needs.map((n) => n.job).join(', '),
  ]);
  const head = ['STAGE', 'JOB', 'WHEN', 'ALLOW_FAILURE', 'NEEDS'];
  const widths = head.map((h, i) => Math.min(40, Math.max(h.length, ...rows.map((r) => r[i].length))));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}

export const registerLint: RegisterCommand = (program: Command, setExit) => {
  program
    .command('lint')
    .description("check DIR's .gitlab-ci.yml (default: current directory) and show the jobs it would create")
    .argument('[dir]', 'project directory', '.')
    .option('--ref <ref>', 'branch or tag name (default: the current branch, else main)')
    .option('--tag', 'the ref is a tag')
    .option('--source <source>', 'CI_PIPELINE_SOURCE (push, web, api, schedule, merge_request_event…)', 'push')
    .option('--variable <K=V>', 'pipeline variable (repeatable)', collect, [])
    .option('--default-branch <name>', 'CI_DEFAULT_BRANCH (default: origin HEAD, else main)')
    .option('--project-path <path>', 'CI_PROJECT_PATH (default: local/<dir name>)')
    .option('--config <file>', 'CI configuration file, relative to DIR', '.gitlab-ci.yml')
    .option('--templates-dir <dir>', 'directory standing in for `include: template`')
    .option('--projects-dir <dir>', 'directory standing in for `include: project` (<dir>/<group/project>/<file>)')
    .option('--components-dir <dir>', 'directory standing in for `include: component` (<dir>/<group/project>/templates/<name>.yml)')
    .option('--json', 'print one JSON object')
    .addHelpText('after', '\nExamples:\n  $ gitlab-ci-dispatcher lint\n  $ gitlab-ci-dispatcher lint examples/basic --ref v1.2.0 --tag --source web --json\n')
    .action((dir: string, opts: Record<string, unknown>) => {
      const root = path.resolve(dir);
      if (!existsSync(root)) {
        process.stderr.write(`error: ${root} does not exist\n`);
        setExit(2);
        return;
      }
      const variables: Record<string, string> = {};
      for (const { key, value } of parseKeyValues(opts.variable as string[])) variables[key] = value;
      const isTag = Boolean(opts.tag);
      const ref = (opts.ref as string | undefined) ?? (isTag ? null : git(root, ['symbolic-ref', '--short', '-q', 'HEAD'])) ?? 'main';
      const originHead = git(root, ['symbolic-ref', '--short', '-q', 'refs/remotes/origin/HEAD']);
      const defaultBranch = (opts.defaultBranch as string | undefined) ?? (originHead ? originHead.replace(/^origin\//, '') : 'main');
      const includeDirs: NonNullable<CompileContext['includeDirs']> = {};
      if (opts.templatesDir) includeDirs.templates = path.resolve(String(opts.templatesDir));
      if (opts.projectsDir) includeDirs.projects = path.resolve(String(opts.projectsDir));
      if (opts.componentsDir) includeDirs.components = path.resolve(String(opts.componentsDir));
      const plan = compile({
        configPath: String(opts.config).replace(/^\.\//, ''),
        files: projectFilesFromDir(root),
        externalInclude: externalIncludeFromDirs(includeDirs),
        context: {
          includeDirs,
          ref,
          isTag,
          sha: git(root, ['rev-parse', '-q', '--verify', 'HEAD']) ?? '0'.repeat(40),
          source: String(opts.source),
          defaultBranch,
          projectPath: (opts.projectPath as string | undefined) ?? `local/${path.basename(root)}`,
          commitMessage: git(root, ['log', '-1', '--format=%B']) ?? undefined,
          changedFiles: null,
          variables,
        },
      });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(planToLintJson(plan), null, 2)}\n`);
      } else {
        for (const d of [...plan.errors, ...plan.warnings]) process.stderr.write(`${formatDiagnostic(d)}\n`);
        // An invalid file creates nothing: no table, and no "workflow:rules" reason after a syntax error.
        if (plan.errors.length === 0 || plan.jobs.length > 0) process.stdout.write(planTable(plan));
        const summary = `${plan.jobs.length} job(s) in ${new Set(plan.jobs.map((j) => j.stage)).size} stage(s); ${plan.errors.length} error(s), ${plan.warnings.length} warning(s)`;
        process.stdout.write(`${plan.errors.length === 0 ? 'valid' : 'invalid'}: ${summary}\n`);
      }
      setExit(plan.errors.length === 0 ? 0 : 2);
    });
};
