import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rename, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importTarball } from './import-tarball.js';
import { loadProjectFiles, projectFilesAt } from './project-files.js';
import { createRepoStore, type RepoStore } from './repo-store.js';
import { gitEnv, ZERO_SHA } from './run-git.js';
import { landSnapshot, prepareSnapshot, snapshotDirectory } from './snapshot.js';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    env: gitEnv({ GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' }),
  })
    .toString()
    .trim();

describe('source intake into bare repositories', () => {
  let tmp: string;
  let repos: RepoStore;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'gcd-git-'));
    repos = createRepoStore({ dir: path.join(tmp, 'repos') });
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('snapshots a work tree with uncommitted and untracked files, not ignored ones, leaving the user repo alone', async () => {
    const work = path.join(tmp, 'work');
    await mkdir(work);
    git(work, 'init', '-q', '-b', 'feature');
    await writeFile(path.join(work, '.gitignore'), '*.log\nbuild/\n');
    await writeFile(path.join(work, '.gitlab-ci.yml'), 'job:\n  script: echo committed\n');
    await writeFile(path.join(work, 'deleted.txt'), 'bye');
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', 'first commit');
    const head = git(work, 'rev-parse', 'HEAD');
    const statusBefore = git(work, 'status', '--porcelain');
    const indexBefore = await readFile(path.join(work, '.git', 'index'));

    // Clean tree: HEAD itself is used.
    const clean = await snapshotDirectory({ repos, projectPath: 'grp/demo', dir: work });
    expect(clean).toEqual({ sha: head, ref: 'feature', message: 'first commit', beforeSha: ZERO_SHA });
    expect(git(repos.pathFor('grp/demo'), 'rev-parse', 'refs/heads/feature')).toBe(head);
    // The same tree again: the branch is already there (no push), the same answer.
    expect(await snapshotDirectory({ repos, projectPath: 'grp/demo', dir: work })).toEqual(clean);

    await writeFile(path.join(work, '.gitlab-ci.yml'), 'job:\n  script: echo modified\n');
    await writeFile(path.join(work, 'untracked.txt'), 'new');
    await writeFile(path.join(work, 'debug.log'), 'ignored');
    await mkdir(path.join(work, 'build'));
    await writeFile(path.join(work, 'build', 'out.bin'), 'ignored');
    await rm(path.join(work, 'deleted.txt'));
    const statusDirty = git(work, 'status', '--porcelain');

    const snap = await snapshotDirectory({ repos, projectPath: 'grp/demo', dir: work });
    expect(snap.sha).not.toBe(head);
    expect(snap.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(snap.ref).toBe('feature');
    expect(snap.beforeSha).toBe(head);
    const bare = repos.pathFor('grp/demo');
    expect(git(bare, 'rev-parse', 'refs/heads/feature')).toBe(snap.sha);
    expect(git(bare, 'rev-parse', `${snap.sha}^`)).toBe(head);
    const files = projectFilesAt(bare, snap.sha);
    expect([...files.list()]).toEqual(['.gitignore', '.gitlab-ci.yml', 'untracked.txt']);
    expect(files.read('.gitlab-ci.yml')).toContain('echo modified');
    expect(files.read('./.gitlab-ci.yml')).toContain('echo modified');
    expect(files.read('debug.log')).toBeUndefined();
    expect(files.read('deleted.txt')).toBeUndefined();

    // The user's repository: same HEAD, same index, same status.
    expect(git(work, 'rev-parse', 'HEAD')).toBe(head);
    expect(git(work, 'status', '--porcelain')).toBe(statusDirty);
    expect(statusDirty).not.toBe(statusBefore);
    expect((await readFile(path.join(work, '.git', 'index'))).equals(indexBefore)).toBe(true);
    expect(git(work, 'for-each-ref', '--format=%(refname)')).toBe('refs/heads/feature');

    // committedOnly ignores the working tree.
    const committed = await snapshotDirectory({ repos, projectPath: 'grp/demo', dir: work, committedOnly: true, ref: 'main' });
    expect(committed.sha).toBe(head);
    expect(projectFilesAt(bare, committed.sha).read('.gitlab-ci.yml')).toContain('echo committed');
  });

  it('prepares the commit of a work tree before the bare repository exists, then lands it there', async () => {
    const work = path.join(tmp, 'early');
    await mkdir(work);
    git(work, 'init', '-q', '-b', 'trunk');
    await writeFile(path.join(work, '.gitlab-ci.yml'), 'a:\n  script: x\n');
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', 'early commit');
    const later = createRepoStore({ dir: path.join(tmp, 'repos-later') });
    // unchanged tree: HEAD itself, with its message
    const same = await prepareSnapshot({ dir: work });
    expect(same.kind === 'git' && same.sha).toBe(git(work, 'rev-parse', 'HEAD'));
    await writeFile(path.join(work, 'extra.txt'), 'untracked');
    const prepared = await prepareSnapshot({ dir: work });
    expect(prepared.kind).toBe('git');
    expect(existsSync(later.dir)).toBe(false);
    const snap = await landSnapshot(prepared, { repos: later, projectPath: 'g/early', dir: work });
    expect(snap).toMatchObject({ ref: 'trunk', beforeSha: ZERO_SHA });
    expect(snap.message).toMatch(/^Snapshot of early \(uncommitted changes on top of [0-9a-f]{8}\)/);
    expect([...projectFilesAt(later.pathFor('g/early'), snap.sha).list()]).toEqual(['.gitlab-ci.yml', 'extra.txt']);
    expect(git(later.pathFor('g/early'), 'rev-parse', 'refs/heads/trunk')).toBe(snap.sha);
    const again = await landSnapshot(same, { repos: later, projectPath: 'g/early', dir: work });
    expect(again).toMatchObject({ sha: git(work, 'rev-parse', 'HEAD'), message: 'early commit', beforeSha: snap.sha });
    // a plain directory is committed on landing (it needs the bare repository as its GIT_DIR)
    const plain = path.join(tmp, 'early-plain');
    await mkdir(plain);
    await writeFile(path.join(plain, 'p.txt'), 'p');
    expect(await prepareSnapshot({ dir: plain })).toEqual({ kind: 'plain', dir: await realpath(plain) });
    const landed = await landSnapshot(await prepareSnapshot({ dir: plain }), { repos: later, projectPath: 'g/plain', dir: plain });
    expect([...projectFilesAt(later.pathFor('g/plain'), landed.sha).list()]).toEqual(['p.txt']);
    await expect(prepareSnapshot({ dir: path.join(tmp, 'no-such-dir') })).rejects.toThrow(/not a directory/);
  });

  it('snapshots a subdirectory of a repository as the project root', async () => {
    const work = path.join(tmp, 'mono');
    await mkdir(path.join(work, 'examples', 'basic'), { recursive: true });
    git(work, 'init', '-q', '-b', 'main');
    await writeFile(path.join(work, 'root.txt'), 'root');
    await writeFile(path.join(work, 'examples', 'basic', '.gitlab-ci.yml'), 'a:\n  script: x\n');
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', 'mono');
    await writeFile(path.join(work, 'examples', 'basic', 'extra.txt'), 'untracked');
    const snap = await snapshotDirectory({ repos, projectPath: 'grp/basic', dir: path.join(work, 'examples', 'basic') });
    const files = projectFilesAt(repos.pathFor('grp/basic'), snap.sha);
    expect([...files.list()]).toEqual(['.gitlab-ci.yml', 'extra.txt']);
    expect(git(work, 'status', '--porcelain')).toBe('?? examples/basic/extra.txt');
  });

  it('a work tree without a commit, an untracked subdirectory, a committed one (committedOnly) and an unchanged one', async () => {
    const work = path.join(tmp, 'edge');
    await mkdir(path.join(work, 'new-dir'), { recursive: true });
    await mkdir(path.join(work, 'old-dir'), { recursive: true });
    git(work, 'init', '-q', '-b', 'main');
    await writeFile(path.join(work, '.gitlab-ci.yml'), 'a:\n  script: x\n');
    await writeFile(path.join(work, 'old-dir', '.gitlab-ci.yml'), 'b:\n  script: y\n');
    // no commit yet: the working tree itself, no parent
    const first = await snapshotDirectory({ repos, projectPath: 'grp/edge-1', dir: work });
    expect([...projectFilesAt(repos.pathFor('grp/edge-1'), first.sha).list()]).toEqual(['.gitlab-ci.yml', 'old-dir/.gitlab-ci.yml']);
    expect(git(repos.pathFor('grp/edge-1'), 'rev-list', '--count', first.sha)).toBe('1');
    await expect(snapshotDirectory({ repos, projectPath: 'grp/edge-1', dir: work, committedOnly: true })).rejects.toThrow(/nothing committed/);
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', 'edge commit');
    // a subdirectory git has never seen
    await writeFile(path.join(work, 'new-dir', '.gitlab-ci.yml'), 'c:\n  script: z\n');
    const fresh = await snapshotDirectory({ repos, projectPath: 'grp/edge-2', dir: path.join(work, 'new-dir') });
    expect(projectFilesAt(repos.pathFor('grp/edge-2'), fresh.sha).read('.gitlab-ci.yml')).toBe('c:\n  script: z\n');
    // a committed subdirectory, unchanged: its tree as in HEAD, with HEAD's message
    const sub = await snapshotDirectory({ repos, projectPath: 'grp/edge-3', dir: path.join(work, 'old-dir') });
    expect(git(repos.pathFor('grp/edge-3'), 'rev-parse', `${sub.sha}^{tree}`)).toBe(git(work, 'rev-parse', 'HEAD:old-dir'));
    expect(sub.message).toBe('edge commit');
    await writeFile(path.join(work, 'old-dir', 'dirty.txt'), 'not committed');
    const committed = await snapshotDirectory({ repos, projectPath: 'grp/edge-4', dir: path.join(work, 'old-dir'), committedOnly: true });
    expect([...projectFilesAt(repos.pathFor('grp/edge-4'), committed.sha).list()]).toEqual(['.gitlab-ci.yml']);
    // the top, unchanged but for ignored files: HEAD itself, its message
    await rm(path.join(work, 'old-dir', 'dirty.txt'));
    await rm(path.join(work, 'new-dir'), { recursive: true });
    const top = await snapshotDirectory({ repos, projectPath: 'grp/edge-5', dir: work });
    expect(top.sha).toBe(git(work, 'rev-parse', 'HEAD'));
    expect(top.message).toBe('edge commit');
    expect(top.ref).toBe('main');
    // the branch checked out names the ref; a detached HEAD gives main
    git(work, 'checkout', '-q', '-b', 'topic/x');
    expect((await snapshotDirectory({ repos, projectPath: 'grp/edge-6', dir: work })).ref).toBe('topic/x');
    git(work, 'checkout', '-q', '--detach');
    expect((await snapshotDirectory({ repos, projectPath: 'grp/edge-7', dir: work })).ref).toBe('main');
    expect((await snapshotDirectory({ repos, projectPath: 'grp/edge-7', dir: work, ref: 'given' })).ref).toBe('given');
  });

  it('snapshots a plain directory and reuses the commit when nothing changed', async () => {
    const plain = path.join(tmp, 'plain');
    await mkdir(path.join(plain, 'src'), { recursive: true });
    await writeFile(path.join(plain, '.gitlab-ci.yml'), 'a:\n  script: x\n');
    await writeFile(path.join(plain, 'src', 'main.c'), 'int main(){}');
    const first = await snapshotDirectory({ repos, projectPath: 'plain', dir: plain });
    const again = await snapshotDirectory({ repos, projectPath: 'plain', dir: plain });
    expect(again.sha).toBe(first.sha);
    await writeFile(path.join(plain, 'src', 'main.c'), 'int main(){return 1;}');
    const changed = await snapshotDirectory({ repos, projectPath: 'plain', dir: plain });
    expect(changed.sha).not.toBe(first.sha);
    expect(changed.beforeSha).toBe(first.sha);
    expect(projectFilesAt(repos.pathFor('plain'), changed.sha).read('src/main.c')).toBe('int main(){return 1;}');
  });

  it('loadProjectFiles reads the same list and files as projectFilesAt, the CI configuration up front', async () => {
    const dir = path.join(tmp, 'load-files');
    await mkdir(path.join(dir, 'ci'), { recursive: true });
    await writeFile(path.join(dir, '.gitlab-ci.yml'), 'include: ci/more.yml\n');
    await writeFile(path.join(dir, 'ci', 'more.yml'), 'a:\n  script: x\n');
    const snap = await snapshotDirectory({ repos, projectPath: 'grp/load-files', dir });
    const repo = repos.pathFor('grp/load-files');
    const sync = projectFilesAt(repo, snap.sha);
    const loaded = await loadProjectFiles(repo, snap.sha);
    expect(loaded.list()).toEqual(sync.list());
    expect(loaded.list()).toEqual(['.gitlab-ci.yml', 'ci/more.yml']);
    for (const f of [...sync.list(), './ci/more.yml', 'missing.yml']) expect(loaded.read(f), f).toBe(sync.read(f));
    // the configuration was read up front: it is there when git no longer finds the repository
    const early = await loadProjectFiles(repo, snap.sha);
    await rename(repo, `${repo}.moved`);
    try {
      expect(early.read('.gitlab-ci.yml')).toBe('include: ci/more.yml\n');
      expect(() => early.read('ci/more.yml')).toThrow(/cat-file/);
    } finally {
      await rename(`${repo}.moved`, repo);
    }
    await expect(loadProjectFiles(repo, 'f'.repeat(40))).rejects.toThrow(/ls-tree/);
    await expect(loadProjectFiles(repo, '--output=x')).rejects.toThrow(/not a commit id/);
  });

  it('imports a tarball with a single top directory', async () => {
    const src = path.join(tmp, 'tarsrc', 'proj-1.0');
    await mkdir(src, { recursive: true });
    await writeFile(path.join(src, '.gitlab-ci.yml'), 'a:\n  script: tar\n');
    const tarball = path.join(tmp, 'proj.tar.gz');
    execFileSync('tar', ['-czf', tarball, '-C', path.join(tmp, 'tarsrc'), 'proj-1.0']);
    const snap = await importTarball({ repos, projectPath: 'grp/tar', tarball, ref: 'v1' });
    expect(snap.ref).toBe('v1');
    expect([...projectFilesAt(repos.pathFor('grp/tar'), snap.sha).list()]).toEqual(['.gitlab-ci.yml']);
    await expect(importTarball({ repos, projectPath: 'grp/tar', tarball: path.join(tmp, 'tarsrc', 'proj-1.0', '.gitlab-ci.yml') })).rejects.toMatchObject({
      code: 'bad_request',
    });
  });

  it('commits symlinks of a local tree as symlinks, never what they point at (plain and git trees; include reads the link)', async () => {
    const secret = path.join(tmp, 'secret-dir');
    await mkdir(secret, { recursive: true });
    await writeFile(path.join(secret, 'marker'), 'SECRET-MARKER');
    for (const kind of ['plain', 'git']) {
      const dir = path.join(tmp, `links-${kind}`);
      await mkdir(dir, { recursive: true });
      if (kind === 'git') git(dir, 'init', '-q');
      await writeFile(path.join(dir, '.gitlab-ci.yml'), 'include: inc.yml\n');
      await symlink(secret, path.join(dir, 'dir-link'));
      await symlink(path.join(secret, 'marker'), path.join(dir, 'inc.yml'));
      const snap = await snapshotDirectory({ repos, projectPath: `links/${kind}`, dir });
      const repo = repos.pathFor(`links/${kind}`);
      const tree = git(repo, 'ls-tree', '-r', snap.sha);
      expect(tree).toMatch(/^120000 blob \S+\tdir-link$/m);
      expect(tree).toMatch(/^120000 blob \S+\tinc.yml$/m);
      expect(git(repo, 'cat-file', '--batch-all-objects', '--batch')).not.toContain('SECRET-MARKER');
      // include: local of a symlink reads the link itself (as GitLab does), not the file it names.
      expect(projectFilesAt(repo, snap.sha).read('inc.yml')).toBe(path.join(secret, 'marker'));
      expect(projectFilesAt(repo, snap.sha).read('dir-link/marker')).toBeUndefined();
    }
  });

  it('creates refs/pipelines/<id> and refuses project paths that escape', async () => {
    const plain = path.join(tmp, 'plain');
    const snap = await snapshotDirectory({ repos, projectPath: 'plain', dir: plain });
    await repos.createPipelineRef('plain', 42, snap.sha);
    expect(await repos.resolve('plain', 'refs/pipelines/42')).toBe(snap.sha);
    await repos.deletePipelineRef('plain', 42);
    expect(await repos.resolve('plain', 'refs/pipelines/42')).toBeNull();
    for (const bad of ['../x', 'a/../b', '/abs', 'a//b', '.hidden', 'x.git', '', '-opt']) {
      expect(() => repos.pathFor(bad)).toThrow();
    }
  });
});
