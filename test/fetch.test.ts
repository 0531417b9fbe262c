/** `fetch` against a Hub served on 127.0.0.1, and the JSON Lines / CSV readers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getTask } from '../src/catalog/load.js';
import { fetchTasks } from '../src/datasets/fetch.js';
import { loadEvalSet } from '../src/datasets/load.js';
import { dumpLines } from '../src/datasets/dump.js';
import { FORMATS_EXPECTED, FORMATS_ROOT, runCli, tempDir } from './helpers.js';
import { startHub } from './hub-server.js';

test('fetch downloads exactly the configs and splits the tasks read, into hf/<owner>/<name>/, and resumes', async () => {
  const hub = await startHub(join(FORMATS_ROOT, 'hf'));
  try {
    const to = tempDir();
    await fetchTasks(
      ['N24News', 'ViDoRe_tatdqa', 'YouCook2', 'EgoSchema'].map((t) => getTask(t)),
      { to, version: 'v2.1', hubUrl: hub.url },
    );
    const files = (repo: string) =>
      readdirSync(join(to, 'hf', repo), { recursive: true })
        .map(String)
        .filter((f) => f.includes('.'))
        .sort();
    assert.deepEqual(files('ziyjiang/MMEB_Test_Instruct'), ['N24News/test-00000-of-00001.parquet', 'README.md']);
    assert.ok(!existsSync(join(to, 'hf/ziyjiang/MMEB_Test_Instruct/HatefulMemes')), 'decoy config not fetched');
    assert.deepEqual(files('lmms-lab/YouCook2'), ['README.md', 'data/val-00000-of-00001.parquet']);
    assert.deepEqual(files('VLM2Vec/EgoSchema'), ['Subset/test-00000-of-00001.parquet']);
    assert.deepEqual(files('vidore/tatdqa_test_beir'), [
      'README.md',
      'corpus/test-00000-of-00001.parquet',
      'qrels/test-00000-of-00001.parquet',
      'queries/test-00000-of-00001.parquet',
    ]);
    for (const f of files('vidore/tatdqa_test_beir')) {
      assert.deepEqual(
        readFileSync(join(to, 'hf/vidore/tatdqa_test_beir', f)),
        readFileSync(join(FORMATS_ROOT, 'hf/vidore/tatdqa_test_beir', f)),
      );
    }
    // with the media in place, the fetched snapshot builds the same EvalSet as the original
    cpSync(join(FORMATS_ROOT, 'image-tasks'), join(to, 'image-tasks'), { recursive: true });
    const { evalSet } = await loadEvalSet(getTask('N24News'), { dataRoot: to });
    const want = readFileSync(join(FORMATS_EXPECTED, 'N24News.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      [...dumpLines(evalSet)].map((l) => JSON.parse(l)),
      want,
    );
    const before = hub.downloads.length;
    await fetchTasks([getTask('ViDoRe_tatdqa')], { to, version: 'v2.1', hubUrl: hub.url });
    assert.equal(
      hub.downloads.filter((d, i) => i >= before && !d.endsWith('README.md')).length,
      0,
      'present files are not downloaded again',
    );
    const r = runCli(['fetch', '--task', 'NoSuchRepoTask', '--to', to, '--hub-url', hub.url]);
    assert.equal(r.status, 2);
  } finally {
    await hub.close();
  }
});

test('splits stored as JSON Lines or CSV load like parquet ones', async () => {
  const root = tempDir();
  const repo = join(root, 'hf/VLM2Vec/ActivityNetQA/data');
  mkdirSync(repo, { recursive: true });
  writeFileSync(
    join(repo, 'test-00000-of-00002.jsonl'),
    JSON.stringify({ video_name: 'abc', question_id: 'q1', question: 'is it raining', answer: 'no' }) + '\n',
  );
  writeFileSync(join(repo, 'test-00001-of-00002.csv'), 'video_name,question_id,question,answer\ndef,q2,"is it, really, sunny",yes\n');
  for (const v of ['v_abc', 'v_def']) {
    mkdirSync(join(root, 'video-tasks/frames/video_qa/ActivityNetQA', v), { recursive: true });
    writeFileSync(join(root, 'video-tasks/frames/video_qa/ActivityNetQA', v, '0001.jpg'), 'x');
  }
  const { evalSet } = await loadEvalSet(getTask('ActivityNetQA'), { dataRoot: root });
  assert.equal(evalSet.queries.length, 2);
  assert.match(evalSet.queries[1].text, /Question: {2}is it, really, sunny\? \(A\) yes; \(B\) no\.$/);
  assert.deepEqual(
    evalSet.queries.map((q) => q.gold[0]),
    ['no', 'yes'],
  );
  writeFileSync(join(repo, 'test-00001-of-00002.csv'), 'video_name,question\n"unterminated\n');
  await assert.rejects(loadEvalSet(getTask('ActivityNetQA'), { dataRoot: root }), /test-00001-of-00002\.csv: invalid CSV/);
});
