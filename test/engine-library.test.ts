/**
 * The library functions the CLI commands are thin shells over (run-request, task-list, data-check, dump,
 * embed-file), and the modules runTasks is made of (task-files, resume, examples), called directly through
 * the public API on the bundled data — and checked against what the commands print.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BUILTIN_BACKEND,
  ConfigError,
  DataError,
  dumpTask,
  embedFile,
  embedInputs,
  formatRunFailures,
  formatRunResult,
  formatTaskList,
  formatValidation,
  getTask,
  listTasks,
  loadEvalSet,
  loadSuite,
  namedOrScoredTasks,
  planRun,
  readEmbedInputs,
  resolveRun,
  runTasks,
  taskListRows,
  validateDataRoot,
} from '../src/index.js';
import { examples } from '../src/engine/examples.js';
import { resumeWithoutData, taskFingerprints, type FingerprintInputs } from '../src/engine/resume.js';
import { finishedStatus, taskFiles } from '../src/engine/task-files.js';
import { FIXTURES, FORMATS_EXPECTED, FORMATS_ROOT, runCli, tempDir } from './helpers.js';

test('resolveRun: the mini suite with every default, a shard folder, and the refusals naming their option', () => {
  const mini = loadSuite('mini');
  const r = resolveRun({ backend: BUILTIN_BACKEND, suite: 'mini', claimTtlSeconds: 60 });
  assert.equal(r.runId, `mini-${BUILTIN_BACKEND.name}-v2.1`);
  assert.deepEqual(
    r.tasks.map((t) => t.name),
    mini.tasks.map((t) => t.name),
  );
  assert.equal(r.dataRoot, mini.dataRoot);
  assert.equal(r.version, 'v2.1');
  assert.equal(r.outDir, join('results', r.runId));
  assert.equal(r.reportDir, join('reports', r.runId));
  assert.equal(r.suite, 'mini');
  assert.equal(r.shard, undefined);

  // a modality narrows the suite; named tasks replace it
  const video = resolveRun({ backend: BUILTIN_BACKEND, suite: 'mini', modality: 'video', claimTtlSeconds: 60 });
  assert.ok(video.tasks.length > 0 && video.tasks.every((t) => t.modality === 'video'));
  const named = resolveRun({ backend: BUILTIN_BACKEND, taskNames: ['VisDial'], dataRoot: FORMATS_ROOT, claimTtlSeconds: 60 });
  assert.deepEqual(
    named.tasks.map((t) => t.name),
    ['VisDial'],
  );
  assert.equal(named.runId, `tasks-${BUILTIN_BACKEND.name}-v2.1`);
  assert.equal(named.suite, null);

  // shard 1 of 2: its own folders, and together the two shards run every task once
  const shards = [0, 1].map((i) => resolveRun({ backend: BUILTIN_BACKEND, suite: 'mini', shard: `${i}/2`, claimTtlSeconds: 60 }));
  assert.equal(shards[1].outDir, join('results', `${r.runId}.shard-1-of-2`));
  assert.equal(shards[1].reportDir, join('reports', `${r.runId}.shard-1-of-2`));
  assert.deepEqual(
    shards[1].shard?.allTasks,
    r.tasks.map((t) => t.name),
  );
  const ran = new Set(shards.flatMap((s) => s.tasks.map((t) => t.name)));
  assert.deepEqual([...ran].sort(), r.tasks.map((t) => t.name).sort());

  assert.throws(
    () => resolveRun({ backend: BUILTIN_BACKEND, claimTtlSeconds: 60 }),
    (e) => e instanceof ConfigError && /--suite, --tasks or --modality/.test(e.message),
  );
  assert.throws(() => resolveRun({ backend: BUILTIN_BACKEND, taskNames: ['VisDial'], claimTtlSeconds: 60 }), /--data-root is required/);
  assert.throws(
    () => resolveRun({ backend: BUILTIN_BACKEND, suite: 'mini', claimTtlSeconds: 0 }),
    /--claim-ttl must be between 1 and 3600/,
  );
  assert.throws(
    () => resolveRun({ backend: BUILTIN_BACKEND, suite: 'mini', shards: 2, claimTtlSeconds: 60 }),
    /--shards goes with --shard/,
  );
  assert.throws(
    () => resolveRun({ backend: BUILTIN_BACKEND, suite: 'mini', modality: 'visdoc', taskNames: ['HMDB51'], claimTtlSeconds: 60 }),
    /no tasks selected/,
  );
});

test('planRun: every task of the suite (or the named ones) in the plan, in as many shards as asked; plan prints it', () => {
  const plan = planRun({ backend: BUILTIN_BACKEND, shards: 3, suite: 'mini' });
  assert.equal(plan.count, 3);
  assert.equal(plan.shards.length, 3);
  const planned = new Set(plan.shards.flatMap((s) => s.units.map((u) => u.task)));
  assert.deepEqual(
    [...planned].sort(),
    loadSuite('mini')
      .tasks.map((t) => t.name)
      .sort(),
  );
  const two = planRun({ backend: BUILTIN_BACKEND, shards: 1, suite: 'mmeb-v2', taskNames: ['VisDial', 'HMDB51'] });
  assert.deepEqual(two.shards[0].units.map((u) => u.task).sort(), ['HMDB51', 'VisDial']);
  const cli = runCli(['plan', '--shards', '3', '--suite', 'mini', '--json']);
  assert.equal(cli.status, 0, cli.stderr);
  assert.deepEqual(JSON.parse(cli.stdout), JSON.parse(JSON.stringify(plan)));
});

test('task-list: the catalog listing and its JSON rows are what `tasks` prints; named or all scored tasks', () => {
  const all = listTasks();
  assert.equal(all.length, 81);
  const text = formatTaskList(all);
  assert.ok(text.endsWith('78 scored task(s), 3 unscored\n'));
  assert.equal(runCli(['tasks']).stdout, text);
  const video = listTasks({ modality: 'video' });
  assert.equal(runCli(['tasks', '--json', '--modality', 'video']).stdout, JSON.stringify(taskListRows(video), null, 2) + '\n');
  assert.deepEqual(Object.keys(taskListRows(video)[0]), ['name', 'modality', 'meta', 'metric', 'mode', 'parser', 'scored']);
  assert.equal(namedOrScoredTasks([]).length, 78);
  assert.deepEqual(
    namedOrScoredTasks(['HMDB51', 'VisDial']).map((t) => t.name),
    ['HMDB51', 'VisDial'],
  );
  assert.throws(() => namedOrScoredTasks(['NoSuchTask']), ConfigError);
});

test('dumpTask and validateDataRoot on the formats fixture: the reference EvalSet, and a report that validate prints', async () => {
  const parse = (t: string) =>
    t
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  const dumped = await dumpTask('VisDial', { dataRoot: FORMATS_ROOT });
  assert.deepEqual(parse(dumped), parse(readFileSync(join(FORMATS_EXPECTED, 'VisDial.jsonl'), 'utf8')));

  const report = await validateDataRoot(['VisDial'], { dataRoot: FORMATS_ROOT, version: 'v2.1' });
  assert.equal(report.length, 1);
  assert.equal(report[0].task, 'VisDial');
  const text = formatValidation(report);
  assert.match(text, new RegExp(`^${report[0].ok ? 'ok  ' : 'FAIL'} VisDial: ${report[0].queries} queries`));
  assert.ok(
    text.endsWith(
      `${report[0].ok ? 1 : 0} of 1 task(s) complete${report[0].problems.length ? `; ${report[0].problems.length} problem(s) in 1 task(s)` : ''}\n`,
    ),
  );
  const cli = runCli(['validate', '--task', 'VisDial', '--data-root', FORMATS_ROOT]);
  assert.equal(cli.stdout, text);
});

test('embedFile: one unit vector per input, independent of the batch size; a bad input names file, line and field', async () => {
  const dir = tempDir();
  const image = join(FIXTURES, 'mmeb-v2-formats', 'root', 'video-tasks', 'frames', 'video_ret', 'MSVD', 'zzit5b_-ukg_5_20', '6.jpg');
  copyFileSync(image, join(dir, 'frame.jpg'));
  const file = join(dir, 'inputs.jsonl');
  writeFileSync(file, ['{"text":"a red car"}', '{"image":"frame.jpg"}', '{"text":"a frame","image":"frame.jpg"}', ''].join('\n'));
  const one = await embedFile(BUILTIN_BACKEND, file, { batchSize: 1 });
  const all = await embedInputs(BUILTIN_BACKEND, await readEmbedInputs(file), { batchSize: 16 });
  assert.equal(one.length, 3);
  assert.deepEqual(one, all);
  for (const v of one) assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5);
  assert.notDeepEqual(one[0], one[1]);
  const cli = runCli(['embed', '--input', file]);
  assert.equal(cli.status, 0, cli.stderr);
  assert.deepEqual(
    cli.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).vector),
    one.map((v) => Array.from(v)),
  );

  writeFileSync(file, '{"text":"fine"}\n{"image":3}\n');
  await assert.rejects(readEmbedInputs(file), (e) => e instanceof DataError && /inputs\.jsonl, line 2, field 'image'/.test(e.message));
});

test('a run through the split engine: task files, status, reuse by fingerprint from the recorded data files, and the printed result', async () => {
  const dir = tempDir();
  const mini = loadSuite('mini');
  const tasks = mini.tasks.filter((t) => ['ImageNet-1K', 'MSR-VTT'].includes(t.name));
  const opts = {
    runId: 'lib',
    tasks,
    dataRoot: mini.dataRoot as string,
    version: 'v2.1' as const,
    backend: BUILTIN_BACKEND,
    outDir: join(dir, 'out'),
    cacheDir: null,
  };
  const first = await runTasks(opts);
  assert.deepEqual(first.reused, []);
  const manifest = JSON.parse(readFileSync(join(opts.outDir, 'manifest.json'), 'utf8'));
  for (const task of tasks) {
    const files = taskFiles(opts.outDir, task.name);
    const status = finishedStatus(files);
    assert.ok(status, `${task.name} is finished`);
    assert.equal(status.fingerprint, manifest.tasks[task.name].fingerprint);
    const inputs: FingerprintInputs = {
      backend: BUILTIN_BACKEND,
      task,
      version: 'v2.1',
      format: 'qwen2-vl',
      profile: 'vlm2vec',
      predK: 100,
      thinkTargets: false,
    };
    const guardRoots = [join(opts.dataRoot, 'hf'), opts.dataRoot];
    const data = resumeWithoutData(status, inputs, guardRoots);
    assert.deepEqual(data, manifest.tasks[task.name].data);
    assert.equal(taskFingerprints(inputs, data ?? []).fingerprint, status.fingerprint);
    // anything the results depend on changes the fingerprint: no resume
    assert.equal(resumeWithoutData(status, { ...inputs, predK: 50 }, guardRoots), null);
    assert.equal(resumeWithoutData(status, { ...inputs, part: { part: 0, parts: 2 } }, guardRoots), null);
    assert.notEqual(taskFingerprints({ ...inputs, part: { part: 0, parts: 2 } }, data ?? []).fingerprint, status.fingerprint);
  }
  const again = await runTasks(opts);
  assert.deepEqual(again.reused, ['ImageNet-1K', 'MSR-VTT']);
  assert.deepEqual(again.summary, first.summary);
  const text = formatRunResult(again, join(dir, 'rep'));
  assert.match(text, /^2 task\(s\), overall /);
  assert.ok(text.includes(`results: ${opts.outDir}\nreport:  ${join(dir, 'rep', 'report.html')} (and report.md)\n`));
  assert.equal(formatRunFailures(again), '');
  assert.equal(formatRunFailures({ ...again, failures: [{ task: 'X', error: 'broken' }] }), '1 task(s) failed:\n  X: broken\n');
  assert.match(formatRunResult({ ...again, failures: [{ task: 'X', error: 'broken' }] }, 'r'), /^2 of 3 \(PARTIAL: 1 failed\) task\(s\)/);
});

test('examples: the three best and three worst queries by the main metric, ties in query order', async () => {
  const { evalSet } = await loadEvalSet(getTask('ImageNet-1K'), { dataRoot: loadSuite('mini').dataRoot as string });
  assert.equal(evalSet.task.metric, 'hit@1');
  const ids = evalSet.queries.map((q) => q.id);
  // odd queries rank their gold first (hit@1 = 1), even ones second (0)
  const preds = evalSet.queries.map((q, i) => {
    const gold = q.gold[0];
    const other = (q.candidateIds ?? []).find((c) => c !== gold) as string;
    return { prediction: i % 2 ? [gold, other] : [other, gold], label: gold, rel_scores: null };
  });
  const traces = evalSet.queries.map((_, i) => (i === 1 ? { text: 'why' } : null));
  const ex = examples(evalSet, preds, traces);
  assert.deepEqual(
    ex.best.map((e) => e.id),
    [ids[1], ids[3], ids[5]],
  );
  assert.deepEqual(
    ex.worst.map((e) => e.id),
    [ids[0], ids[2], ids[4]],
  );
  assert.equal(ex.best[0].trace, 'why');
  assert.equal(ex.worst[0].trace, null);
  assert.deepEqual(ex.best[0].top, preds[1].prediction.slice(0, 3));
  assert.deepEqual(ex.best[0].gold, evalSet.queries[1].gold);
});
