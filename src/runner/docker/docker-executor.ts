// The docker executor: the job's stages (shell/job-stages.ts) with git, cache, artifacts and
// dependencies on the runner's host, as in the shell executor, and every script step in a fresh
// container of the job's image (`image:`, else the runner's default image), next to the job's
// services. The builds and cache directories are bind-mounted at the same paths inside, so
// CI_PROJECT_DIR is the same path on both sides and an image needs nothing of ours inside (no
// git, no helper binary: `sh` is enough). Steps run with bash when the image has it, else sh
// (a probe container decides, once per image). Every container/network carries the runner and
// job labels and is removed with the job; stale ones are removed when the runner starts.
import { mkdir, writeFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Image } from '../../runner-api/protocol.js';
import { runJobStages, type StepRequest } from '../shell/job-stages.js';
import { bashScript } from '../shell/bash-script.js';
import { shortToken } from '../job/build-dirs.js';
import type { JobContext } from '../job/job-context.js';
import type { JobExecutor } from '../job/executor.js';
import { JobFailure } from '../errors.js';
import { dockerApi, type ContainerCreateOptions, type DockerApi, type ImageInfo } from './docker-api.js';
import { decidePullPolicies, getImage, type PullPolicy } from './pull-policy.js';
import { jobLabels, objectName, removeLabelled, LABEL_JOB, LABEL_RUNNER } from './labels.js';
import { runContainer } from './run-container.js';
import { serviceContainerSpec, servicePorts, waitForService, type StartedService } from './services.js';
import { serviceHostNames } from './service-names.js';
import { detectShell, type ShellKind } from './detect-shell.js';

export type NetworkMode = 'bridge' | 'host';

export interface DockerExecutorOptions {
  /** The runner's token: its short form labels every object (gitlab-ci-dispatcher.runner). */
  runnerToken: string;
  /** For jobs without `image:` ([runners.docker] image). */
  image?: string;
  /** 'bridge' (default): a network per job; 'host': the host's network. */
  networkMode?: NetworkMode;
  /** Default ['always']. */
  pullPolicy?: PullPolicy[];
  /** Default: pullPolicy. */
  allowedPullPolicies?: PullPolicy[];
  /** wait_for_services_timeout in seconds (default 30; 0 or less: no wait). */
  waitForServicesTimeoutS?: number;
  /** More labels on every object, also swept at start: e.g. `run` marks its data directory, so
   *  that what a crashed run left is removed by the next run there (each run is a new runner). */
  ownerLabels?: Record<string, string>;
  /** The engine; default dockerApi() on $DOCKER_HOST or /var/run/docker.sock. */
  api?: DockerApi;
}

export const dockerFeatures = {
  image: true,
  services: true,
  service_variables: true,
  service_multiple_aliases: true,
  image_executor_opts: true,
  service_executor_opts: true,
};

export function dockerExecutor(opts: DockerExecutorOptions): JobExecutor {
  const api = opts.api ?? dockerApi();
  const short = shortToken(opts.runnerToken);
  const mode: NetworkMode = opts.networkMode ?? 'bridge';
  const usedImages = new Map<string, string>();
  const shells = new Map<string, ShellKind>();
  const labels = (jobId: number, type: Parameters<typeof jobLabels>[2]) => ({ ...opts.ownerLabels, ...jobLabels(short, jobId, type) });

  return {
    name: 'docker',
    features: dockerFeatures,
    async start(log) {
      let n = await removeLabelled(api, { [LABEL_RUNNER]: short });
      if (opts.ownerLabels && Object.keys(opts.ownerLabels).length) n += await removeLabelled(api, opts.ownerLabels);
      if (n) log(`removed ${n} stale container(s)/network(s) of this runner`);
    },
    async execute(ctx: JobContext) {
      const { job, trace, dirs } = ctx;
      const jobId = job.id;
      const stop = AbortSignal.any([ctx.abort, ctx.cancel]);
      const pull = (img: Image) =>
        getImage({
          api,
          name: img.name,
          policies: decidePullPolicies({ pullPolicy: opts.pullPolicy, allowed: opts.allowedPullPolicies }, img.pull_policy, img.name),
          log: (l) => trace.writeln(l),
          warn: (l) => trace.warning(l),
          used: usedImages,
          signal: stop,
        });
      const env = Object.entries(ctx.vars.env).map(([k, v]) => `${k}=${v}`);
      let network = mode === 'host' ? 'host' : '';
      let image: Image | null = null;
      let info: ImageInfo | null = null;
      let shell: ShellKind = 'sh';
      const services: StartedService[] = [];

      const buildSpec = (what: string, cmd: string[], extraEnv: Record<string, string>, over: Partial<ContainerCreateOptions> = {}): ContainerCreateOptions => ({
        name: objectName(short, jobId, what),
        Image: info!.id,
        Cmd: cmd,
        ...(image!.entrypoint?.length ? { Entrypoint: image!.entrypoint } : {}),
        Env: [...env, ...Object.entries(extraEnv).map(([k, v]) => `${k}=${v}`)],
        ...(image!.executor_opts?.docker?.user ? { User: image!.executor_opts.docker.user } : {}),
        Labels: labels(jobId, what === 'probe' ? 'probe' : what === 'permissions' ? 'permissions' : 'build'),
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
        HostConfig: {
          Binds: [`${dirs.buildsDir}:${dirs.buildsDir}`, `${dirs.cacheDir}:${dirs.cacheDir}`],
          NetworkMode: network,
          ...(mode === 'host' ? { ExtraHosts: services.flatMap((s) => s.hostNames.map((h) => `${h}:127.0.0.1`)) } : {}),
        },
        ...over,
      });

      try {
        await runJobStages(ctx, {
          name: 'docker',
          async prepare() {
            const name = job.image?.name || opts.image;
            if (!name) throw new JobFailure('runner_configuration_error', 'no Docker image: the job has no image: and the runner no default image');
            image = job.image?.name ? job.image : { name };
            trace.writeln(`Using Docker executor with image ${name} ...`);
            await mkdir(dirs.buildsDir, { recursive: true });
            await mkdir(dirs.cacheDir, { recursive: true });
            if (mode === 'bridge') {
              network = objectName(short, jobId, 'network');
              trace.writeln(`Creating network ${network} ...`);
              await api.createNetwork({ Name: network, Driver: 'bridge', CheckDuplicate: true, Labels: labels(jobId, 'network') });
            }
            await startServices();
            info = await pull(image);
            const key = `${info.id} ${JSON.stringify(image.entrypoint ?? [])}`;
            const known = shells.get(key);
            shell = known ?? (await detectShell((cmd, onOut) => runContainer(api, buildSpec('probe', cmd, {}), onOut, stop)));
            shells.set(key, shell);
          },
          async prepareScript() {
            trace.writeln(`Running on ${os.hostname()} in a container (${shell})...`);
          },
          step: (r) => step(r),
        });
      } finally {
        await fixPermissions().catch(() => undefined);
        // services, probes, anything a kill left: then the job's network
        await removeLabelled(api, { [LABEL_RUNNER]: short, [LABEL_JOB]: String(jobId) }).catch(() => undefined);
      }

      async function startServices(): Promise<void> {
        for (const svc of job.services) {
          trace.writeln(`Starting service ${svc.name} ...`);
          const img = await pull(svc);
          const spec = serviceContainerSpec({
            service: svc,
            image: img,
            containerName: objectName(short, jobId, serviceHostNames(svc)[0] ?? 'service'),
            labels: labels(jobId, 'service'),
            env,
            network,
          });
          const id = await api.createContainer(spec);
          await api.startContainer(id);
          services.push({ name: svc.name, id, hostNames: serviceHostNames(svc), ports: servicePorts(svc, img) });
        }
        if (!services.length) return;
        const timeoutS = opts.waitForServicesTimeoutS ?? 30;
        const waiting = services.filter((s) => s.ports.length);
        for (const s of services.filter((x) => !x.ports.length)) trace.writeln(`Service ${s.name} exposes no port: not waiting for it`);
        if (!waiting.length || timeoutS <= 0) return;
        trace.writeln(`Waiting for services to be up and running (timeout ${timeoutS} seconds)...`);
        const results = await Promise.all(waiting.map((s) => waitForService({ api, service: s, network, timeoutMs: timeoutS * 1000, signal: stop })));
        results.forEach((why, i) => {
          if (why) trace.warning(`Service ${waiting[i].name} probably didn't start properly: ${why}`);
        });
      }

      async function step(r: StepRequest) {
        await mkdir(dirs.tmpDir, { recursive: true, mode: 0o700 });
        await mkdir(dirs.projectDir, { recursive: true });
        const file = path.join(dirs.tmpDir, `${r.name.replace(/[^A-Za-z0-9_.-]/g, '_')}.sh`);
        const script = bashScript({
          commands: r.commands,
          cwd: dirs.projectDir,
          scriptSections: (ctx.vars.get('FF_SCRIPT_SECTIONS') ?? '').trim() === 'true',
          posix: shell === 'sh',
        });
        await writeFile(file, script, { mode: 0o644 });
        try {
          return await runContainer(api, buildSpec(r.name, [shell, file], r.extraEnv, { WorkingDir: dirs.projectDir }), (b) => trace.write(b), r.signal);
        } finally {
          await rm(file, { force: true });
        }
      }

      // Files a root container created in the build directory must not stop the next job (run
      // on the host as another user) from cleaning or fetching: make them writable for all.
      async function fixPermissions(): Promise<void> {
        if (!info || process.getuid?.() === 0) return;
        const cmd = ['sh', '-c', 'chmod -R a+rwX -- "$@" 2>/dev/null; exit 0', 'sh', dirs.projectDir, dirs.tmpDir];
        await runContainer(api, buildSpec('permissions', cmd, {}, { User: '0:0', Entrypoint: [''] }), () => {}, AbortSignal.timeout(60_000));
      }
    },
  };
}
