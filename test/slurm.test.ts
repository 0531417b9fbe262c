/**
 * A real Slurm: a single-node cluster on 127.0.0.1 (munged, slurmctld, slurmd; config written here, in a
 * temporary folder, on free non-default ports) runs the recipe's array script for the mini suite, with
 * `tte-bench serve` standing in for vLLM, then the recipe's merge job; the merged folder must equal an
 * unsharded run byte for byte. Needs root and Debian's slurm-wlm + munge (.ci/run installs them); skipped
 * with a message elsewhere. Every daemon started here is stopped by the pid in its pid file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, hostname } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/util/package-root.js';
import { BIN, runCli, tempDir, writeServedFloorConfig } from './helpers.js';

const DAEMONS = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'sinfo', 'scancel'];
const which = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd} || test -x /usr/sbin/${cmd}`], { encoding: 'utf8' }).status === 0;
const missing = DAEMONS.filter((d) => !which(d));
const skip =
  process.platform !== 'linux'
    ? 'the Slurm test runs on Linux only'
    : process.getuid?.() !== 0
      ? 'the Slurm test needs root (it starts munged, slurmctld and slurmd); skipped'
      : missing.length
        ? `Slurm is not installed (missing ${missing.join(', ')}; apt-get install slurm-wlm munge, as .ci/run does); skipped`
        : false;

const sbin = (cmd: string) => (existsSync(`/usr/sbin/${cmd}`) ? `/usr/sbin/${cmd}` : cmd);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stop a daemon by the pid in its pid file and wait until it is gone. */
async function stopByPidFile(file: string): Promise<void> {
  if (!existsSync(file)) return;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 100 && alive(pid); i++) await sleep(100);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

const resultFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => /(_score\.json|_pred\.jsonl|_examples\.json|^summary\.json)$/.test(f))
    .sort();

test('a Slurm job array runs the recipe for the mini suite; the merge job yields the unsharded run, byte for byte', {
  skip,
  timeout: 600_000,
}, async (t) => {
  const dir = tempDir('tte-bench-slurm-');
  chmodSync(dir, 0o755);
  for (const d of ['state', 'spool', 'log', 'out']) mkdirSync(join(dir, d));
  const node = hostname().split('.')[0];
  const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
  const conf = join(dir, 'slurm.conf');
  writeFileSync(
    conf,
    [
      'ClusterName=ttebench',
      `SlurmctldHost=${node}(127.0.0.1)`,
      'AuthType=auth/munge',
      'CredType=cred/munge',
      `AuthInfo=socket=${join(dir, 'munge.sock')}`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'JobAcctGatherType=jobacct_gather/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core',
      'ReturnToService=2',
      'MpiDefault=none',
      'SlurmUser=root',
      'SlurmdUser=root',
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${slurmdPort}`,
      `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
      `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
      `SlurmdSpoolDir=${join(dir, 'spool')}`,
      `StateSaveLocation=${join(dir, 'state')}`,
      `SlurmctldLogFile=${join(dir, 'log', 'slurmctld.log')}`,
      `SlurmdLogFile=${join(dir, 'log', 'slurmd.log')}`,
      `NodeName=${node} NodeAddr=127.0.0.1 CPUs=${cpus().length} State=UNKNOWN`,
      `PartitionName=tte Nodes=${node} Default=YES MaxTime=INFINITE State=UP`,
      '',
    ].join('\n'),
  );
  const env = { ...process.env, SLURM_CONF: conf };
  const started: string[] = [];
  let jobIds: string[] = [];
  let server: ReturnType<typeof spawn> | null = null;
  try {
    const daemon = (cmd: string, args: string[], pidFile: string) => {
      const r = spawnSync(sbin(cmd), args, { env, encoding: 'utf8', timeout: 60_000 });
      started.push(pidFile);
      assert.equal(r.status, 0, `${cmd} did not start: ${r.stderr}`);
    };
    // our own munged on our own socket: nothing shared with a munged the machine may already run
    daemon(
      'munged',
      [
        '--force',
        `--socket=${join(dir, 'munge.sock')}`,
        `--pid-file=${join(dir, 'munged.pid')}`,
        `--log-file=${join(dir, 'log', 'munged.log')}`,
        `--seed-file=${join(dir, 'munged.seed')}`,
      ],
      join(dir, 'munged.pid'),
    );
    daemon('slurmctld', ['-f', conf], join(dir, 'slurmctld.pid'));
    daemon('slurmd', ['-f', conf], join(dir, 'slurmd.pid'));
    let state = '';
    for (let i = 0; i < 300 && state !== 'idle'; i++) {
      state = spawnSync('sinfo', ['-h', '-o', '%t'], { env, encoding: 'utf8' }).stdout.trim();
      if (state !== 'idle') await sleep(200);
    }
    assert.equal(state, 'idle', `the node never became idle: ${readFileSync(join(dir, 'log', 'slurmctld.log'), 'utf8').slice(-2000)}`);

    // the served builtin model stands in for vLLM; the same backend config for the shards and the reference
    const backend = writeServedFloorConfig(join(dir, 'backend.json'), 'http://127.0.0.1:${TTE_SERVER_PORT}/v1', {
      allDownTimeoutMs: 60000,
    });
    const tte = `${process.execPath} ${BIN}`;
    const jobEnv = {
      ...env,
      TTE_BENCH: tte,
      TTE_SUITE: 'mini',
      TTE_RUN_ID: 'mini-slurm',
      TTE_RESULTS: join(dir, 'results'),
      TTE_BACKEND: backend,
      TTE_SERVER_CMD: `${tte} serve --port "$TTE_SERVER_PORT"`,
      TTE_HEALTH_POLL: '0.2',
      TTE_SERVER_WAIT: '120',
    };
    const recipe = join(PACKAGE_ROOT, 'recipes', 'slurm');
    // the cluster has no GPUs and little memory: override the recipe's requests from the command line
    const sized = ['--gres=none', '--cpus-per-task=1', '--mem=0', '--time=00:20:00'];
    const array = spawnSync(
      'sbatch',
      ['--array=0-2', '--wait', ...sized, `--output=${join(dir, 'out', 'array-%A_%a.out')}`, join(recipe, 'tte-bench-array.sbatch')],
      { env: jobEnv, cwd: dir, encoding: 'utf8', timeout: 480_000 },
    );
    const arrayId = /Submitted batch job (\d+)/.exec(array.stdout)?.[1];
    if (arrayId) jobIds.push(arrayId);
    const logs = () =>
      readdirSync(join(dir, 'out'))
        .map((f) => `--- ${f}\n${readFileSync(join(dir, 'out', f), 'utf8').slice(-1500)}`)
        .join('\n');
    assert.equal(array.status, 0, `array job failed: ${array.stderr}\n${logs()}`);
    assert.ok(arrayId);
    const shards = readdirSync(join(dir, 'results', 'mini-slurm', 'shards')).sort();
    assert.deepEqual(shards, ['task-0', 'task-1', 'task-2']);
    for (const [i, s] of shards.entries()) {
      const m = JSON.parse(readFileSync(join(dir, 'results', 'mini-slurm', 'shards', s, 'manifest.json'), 'utf8'));
      assert.deepEqual([m.shard.index, m.shard.count, m.shard.source], [i, 3, 'slurm']);
    }
    const merge = spawnSync(
      'sbatch',
      [
        '--wait',
        `--dependency=afterok:${arrayId}`,
        '--cpus-per-task=1',
        '--mem=0',
        `--output=${join(dir, 'out', 'merge-%j.out')}`,
        join(recipe, 'tte-bench-merge.sbatch'),
      ],
      { env: jobEnv, cwd: dir, encoding: 'utf8', timeout: 120_000 },
    );
    const mergeId = /Submitted batch job (\d+)/.exec(merge.stdout)?.[1];
    if (mergeId) jobIds.push(mergeId);
    assert.equal(merge.status, 0, `merge job failed: ${merge.stderr}\n${logs()}`);
    jobIds = [];

    // the reference: the same served model, unsharded, same run id and backend config
    server = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise<string>((resolve, reject) => {
      server!.stdout!.on('data', (b: Buffer) => {
        const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(b.toString());
        if (m) resolve(m[1]);
      });
      server!.once('exit', (code) => reject(new Error(`serve exited ${code}`)));
    });
    const ref = runCli(
      [
        'run',
        '--suite',
        'mini',
        '--backend',
        backend,
        '--run-id',
        'mini-slurm',
        '--out',
        join(dir, 'ref'),
        '--report-dir',
        join(dir, 'ref-report'),
        '--no-cache',
      ],
      { env: { TTE_SERVER_PORT: port } },
    );
    assert.equal(ref.status, 0, ref.stderr);
    const merged = join(dir, 'results', 'mini-slurm', 'merged');
    assert.deepEqual(resultFiles(merged), resultFiles(join(dir, 'ref')));
    assert.ok(resultFiles(merged).length >= 13 * 3 + 1);
    for (const f of resultFiles(join(dir, 'ref')))
      assert.equal(readFileSync(join(merged, f), 'utf8'), readFileSync(join(dir, 'ref', f), 'utf8'), f);
    assert.ok(existsSync(join(dir, 'results', 'mini-slurm', 'report', 'report.html')));
    t.diagnostic(`array job ${arrayId} (3 tasks) and merge job ${mergeId} ran on a one-node Slurm`);
  } finally {
    server?.kill('SIGTERM');
    if (jobIds.length) spawnSync('scancel', jobIds, { env });
    // stop in reverse order: slurmd, slurmctld, then munged
    for (const pidFile of started.reverse()) await stopByPidFile(pidFile);
  }
});
