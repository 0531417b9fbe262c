/**
 * MMEB-V3's complex_text_retrieve and memory_retrieval families against the EvalSets VLM2Vec's own parsers built
 * from test/fixtures/mmeb-v3-formats (Stars1233/VLM2Vec 44f991d), plus the rules those fixtures do not reach,
 * on hand-built rows. Source lines cited are src/data/eval_dataset/complex_text_retrieve.py (CTR) and
 * memory_retrieval_dateset.py (MEM) at that commit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { catalogFor, getTask } from '../src/catalog/load.js';
import type { TaskSpec, V3Source } from '../src/catalog/types.js';
import { dumpLines } from '../src/datasets/dump.js';
import { loadEvalSet } from '../src/datasets/load.js';
import { pyFloat, pyFloatRepr, pyStrScalar, pyTruthy } from '../src/datasets/readers/pyvalues.js';
import { DataError } from '../src/errors.js';
import { perQueryMetrics, scorePredictions } from '../src/metrics/ranking.js';
import { FIXTURES, runCli } from './helpers.js';

const V3 = join(FIXTURES, 'mmeb-v3-formats');
const V3_ROOT = join(V3, 'root');

/**
 * The YAML entries of the fixture's tasks (experiments/public/eval/text.yaml and memory.yaml at 44f991d), keyed
 * by YAML key as tasks.tsv names them; paths relative to the data root, as eval.py:482-494 joins them.
 */
const YAML: Record<string, Omit<V3Source, 'key'> & { datasetName?: string }> = {
  // text.yaml:41-50
  'text/BRIGHT/leetcode': {
    dataPath: 'text-tasks',
    subsetName: 'BRIGHT/leetcode',
    queryFile: 'text-tasks/BRIGHT/examples/leetcode-00000-of-00001.parquet',
    candidateFile: 'text-tasks/BRIGHT/documents/leetcode-00000-of-00001.parquet',
  },
  // text.yaml:133-144
  'text/FollowIR/news21-instructions': {
    dataPath: 'text-tasks',
    subsetName: 'FollowIR/news21-instructions',
    queryFile: 'text-tasks/FollowIR/news21-instructions/queries.jsonl',
    candidateFile: 'text-tasks/FollowIR/news21-instructions/corpus.jsonl',
    qrelsFile: 'text-tasks/FollowIR/news21-instructions/qrels_og/test.jsonl',
  },
  // text.yaml:244-252
  'text/LongEmbed/passkey': {
    dataPath: 'text-tasks',
    subsetName: 'LongEmbed/passkey',
    queryFile: 'text-tasks/LongEmbed/passkey/queries.jsonl',
    candidateFile: 'text-tasks/LongEmbed/passkey/corpus.jsonl',
    qrelsFile: 'text-tasks/LongEmbed/passkey/qrels.jsonl',
  },
  // text.yaml:281-289
  'text/MultiConIR/Legal Document': {
    dataPath: 'text-tasks',
    subsetName: 'MultiConIR/Legal Document',
    queryFile: 'text-tasks/MultiConIR_v2/Legal Document/queries.jsonl',
    candidateFile: 'text-tasks/MultiConIR_v2/Legal Document/corpus.jsonl',
    qrelsFile: 'text-tasks/MultiConIR_v2/Legal Document/qrels.jsonl',
  },
  // text.yaml:317-328
  'text/NanoBEIR/NanoArguAna': {
    dataPath: 'text-tasks',
    subsetName: 'NanoBEIR/NanoArguAna',
    queryFile: 'text-tasks/NanoBEIR/NanoArguAna/queries/train-00000-of-00001.parquet',
    candidateFile: 'text-tasks/NanoBEIR/NanoArguAna/corpus/train-00000-of-00001.parquet',
    qrelsFile: 'text-tasks/NanoBEIR/NanoArguAna/qrels/train-00000-of-00001.parquet',
  },
  // text.yaml:491-499
  'text/R2MED/IIYi-Clinical': {
    dataPath: 'text-tasks',
    subsetName: 'R2MED/IIYi-Clinical',
    queryFile: 'text-tasks/R2MED/IIYi-Clinical/query.jsonl',
    candidateFile: 'text-tasks/R2MED/IIYi-Clinical/corpus.jsonl',
    qrelsFile: 'text-tasks/R2MED/IIYi-Clinical/qrels.jsonl',
  },
  // memory.yaml:8-12, 20-24
  'memory/REALTALK': { datasetName: 'REALTALK', dataPath: 'memory-tasks/Dialogue/REALTALK' },
  'memory/DeepPlanning': { datasetName: 'DeepPlanning', dataPath: 'memory-tasks/Procedural/DeepPlanning' },
};

function taskSpec(name: string, parser: 'complex_text_retrieve' | 'memory_retrieval', v3: V3Source, datasetName?: string): TaskSpec {
  return {
    name,
    ...(datasetName && datasetName !== name ? { datasetName } : {}),
    modality: parser === 'complex_text_retrieve' ? 'text' : 'memory',
    meta: parser === 'complex_text_retrieve' ? 'T-RET' : 'MEM',
    metric: parser === 'complex_text_retrieve' ? 'ndcg_linear@5' : 'hit@1',
    mode: 'global',
    parser,
    scored: true,
    hf: { repo: 'VLM2Vec/MMEB-V3', split: 'test' },
    media: {},
    v3,
  };
}

/** tasks.tsv rows of these two families: name → YAML key. */
const FIXTURE_TASKS = readFileSync(join(V3, 'tasks.tsv'), 'utf8')
  .split('\n')
  .filter((l) => l && !l.startsWith('#'))
  .map((l) => l.split('\t'))
  .filter(([, , yaml]) => yaml === 'text.yaml' || yaml === 'memory.yaml')
  .map(([name, key, yaml]) => {
    const { datasetName, ...entry } = YAML[key];
    return taskSpec(name, yaml === 'text.yaml' ? 'complex_text_retrieve' : 'memory_retrieval', { key, ...entry }, datasetName);
  });

type Line = Record<string, unknown> & { role: string; gold?: string[] };
const parseLines = (text: string): Line[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);

test('the fixture holds the 8 tasks of these families (tasks.tsv)', () => {
  assert.deepEqual(
    FIXTURE_TASKS.map((t) => t.name),
    ['leetcode', 'news21-instructions', 'passkey', 'Legal Document', 'NanoArguAna', 'IIYi-Clinical', 'REALTALK', 'DeepPlanning'],
  );
});

const READS = (JSON.parse(readFileSync(join(V3, 'reads.json'), 'utf8')) as { tasks: Record<string, string[]> }).tasks;

for (const task of FIXTURE_TASKS) {
  test(`${task.parser} builds VLM2Vec's EvalSet for ${task.name} (expected/${task.name}.jsonl, --format plain)`, async () => {
    const { evalSet } = await loadEvalSet(task, { dataRoot: V3_ROOT, format: 'plain' });
    const got = parseLines([...dumpLines(evalSet)].join('\n'));
    const want = parseLines(readFileSync(join(V3, 'expected', `${task.name}.jsonl`), 'utf8'));
    // parsed JSON: Python's 2.0 and JavaScript's 2 are the same value; order exact, gold included
    assert.deepEqual(got, want);
    // the files VLM2Vec's parser opened, in first-read order
    const rootAbs = join(V3_ROOT);
    assert.deepEqual(
      evalSet.dataFiles.map((f) => relative(rootAbs, f).split(sep).join('/')),
      READS[task.name],
    );
  });
}

test('the V3 catalog gives these tasks the same YAML entries and families', () => {
  const catalog = catalogFor('v3');
  for (const task of FIXTURE_TASKS) {
    const real = getTask(task.name, catalog);
    assert.equal(real.parser, task.parser, task.name);
    assert.equal(real.mode, 'global', task.name);
    assert.deepEqual(real.v3, task.v3, task.name);
  }
});

test('`tte-bench dump --mmeb-version v3 --format plain` prints the expected lines for every task of these families', () => {
  for (const task of FIXTURE_TASKS) {
    const r = runCli(['dump', '--task', task.name, '--data-root', V3_ROOT, '--mmeb-version', 'v3', '--format', 'plain']);
    assert.equal(r.status, 0, `${task.name}: ${r.stderr}`);
    assert.deepEqual(parseLines(r.stdout), parseLines(readFileSync(join(V3, 'expected', `${task.name}.jsonl`), 'utf8')), task.name);
  }
});

test('qwen2-vl format: the same strings (text-only items carry no placeholder)', async () => {
  const task = FIXTURE_TASKS.find((t) => t.name === 'news21-instructions') as TaskSpec;
  const plain = await loadEvalSet(task, { dataRoot: V3_ROOT, format: 'plain' });
  const qwen = await loadEvalSet(task, { dataRoot: V3_ROOT, format: 'qwen2-vl' });
  assert.deepEqual(
    qwen.evalSet.queries.map((q) => q.text),
    plain.evalSet.queries.map((q) => q.text),
  );
  assert.equal(plain.evalSet.labelShape, 'list');
});

// ---------------------------------------------------------------------------------------------------------
// hand-built data roots

function writeRoot(files: Record<string, string | object[]>): string {
  const root = mkdtempSync(join(tmpdir(), 'tte-v3text-'));
  for (const [rel, content] of Object.entries(files)) {
    const p = join(root, ...rel.split('/'));
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, typeof content === 'string' ? content : content.map((r) => JSON.stringify(r)).join('\n') + '\n');
  }
  return root;
}

async function textTask(files: Record<string, string | object[]>, v3: Partial<V3Source>, format: 'plain' | 'qwen2-vl' = 'plain') {
  const root = writeRoot(files);
  const task = taskSpec('t', 'complex_text_retrieve', {
    key: 'text/X/t',
    queryFile: 'd/queries.jsonl',
    candidateFile: 'd/corpus.jsonl',
    qrelsFile: 'd/qrels.jsonl',
    ...v3,
  });
  return (await loadEvalSet(task, { dataRoot: root, format })).evalSet;
}

const CORPUS = [
  { _id: 'd1', text: 'one' },
  { _id: 'd2', text: 'two' },
];

test('qrels: id key fallbacks, 0/"" fall through except in the last slot, grades (CTR:175-204)', async () => {
  const es = await textTask(
    {
      'd/queries.jsonl': [
        { _id: 'q1', text: 'a' },
        { _id: 'q2', text: 'b' },
        { _id: 'q3', text: 'c' },
        { _id: 'q4', text: 'd' },
        { _id: '0', text: 'e' },
      ],
      'd/corpus.jsonl': CORPUS,
      'd/qrels.jsonl': [
        { qid: 'q1', doc_id: 'd1', score: 2 }, // qid / doc_id keys
        { q_id: 'q1', document_id: 'd2', label: '3', score: 9 }, // label beats score; "3" → 3.0
        { query_id: 'q2', p_id: 'd1', label: null }, // label present but None → float(None) fails → 1.0
        { id: 'q2', 'corpus-id': 'd2', score: 'high' }, // unparsable → 1.0
        { query_id: 'q3', corpus_id: 'd1', score: 0 }, // <= 0 dropped
        { query_id: 'q3', corpus_id: 'd2', score: -1 },
        { query_id: 'q4', corpus_id: 'd1', score: 1 },
        { query_id: 'q4', corpus_id: 'd2', score: 2 },
        { query_id: 'q4', corpus_id: 'd1', score: ' 5 ' }, // later row overwrites, first position kept (:203)
        { query_id: 0, id: 'q1', corpus_id: 'd9', score: 1_0 }, // query_id 0 falls through to id
        { 'query-id': 0, p_id: 'd1', score: 1 }, // 0 under 'query-id' falls through to a missing 'id': None, skipped
        { id: 0, p_id: 0, score: 1 }, // 0 in the last slots (id, p_id) is what `or` returns, not None: kept as "0"
      ],
    },
    {},
  );
  const byId = Object.fromEntries(es.queries.map((q) => [q.id, q]));
  assert.deepEqual(byId.q1.gold, ['d1', 'd2', 'd9']);
  assert.deepEqual(byId.q1.relScores, [2, 3, 10]);
  assert.deepEqual(byId.q2.gold, ['d1', 'd2']);
  assert.deepEqual(byId.q2.relScores, [1, 1]);
  assert.deepEqual(byId.q3.gold, []); // stays in, no positives (:264-268)
  assert.equal(byId.q3.relScores, null);
  assert.deepEqual(byId.q4.gold, ['d1', 'd2']);
  assert.deepEqual(byId.q4.relScores, [5, 2]);
  // its doc "0" is not in the pool: kept, as IIYi-Clinical's (fixture README Q-X1)
  assert.deepEqual(byId['0'].gold, ['0']);
});

test('a NaN grade is refused with file, row and field (VLM2Vec would keep it and score NaN)', async () => {
  await assert.rejects(
    textTask(
      {
        'd/queries.jsonl': [{ _id: 'q1', text: 'a' }],
        'd/corpus.jsonl': CORPUS,
        'd/qrels.jsonl': [{ qid: 'q1', doc_id: 'd1', score: 'nan' }],
      },
      {},
    ),
    (err: unknown) =>
      err instanceof DataError && err.location.field === 'score' && err.location.row === 0 && /qrels\.jsonl$/.test(err.location.file ?? ''),
  );
});

test('queries: id fallbacks with Python `or`, text fallbacks, empty dropped, whitespace kept (CTR:207-284)', async () => {
  const es = await textTask(
    {
      'd/queries.jsonl': [
        { _id: '', id: 'A', text: 't-A' }, // "" falls through to id
        { id: 0, qid: 'B', text: '', query: 'q-B' }, // 0 falls through; text "" → query
        { qid: 'C', query_content: 'qc-C' },
        { query_id: 'D', short_query: 'sq-D' },
        { 'query-id': 0, text: 'zero' }, // last key: 0 returned by `or`, kept as "0"
        { id: 0, text: 'dropped: the chain ends in None' },
        { _id: 'E', text: '' }, // empty text: dropped
        { _id: 'F', text: '  ' }, // whitespace only: kept as is
        { _id: 'G', text: 'see <|image_1|> here' },
      ],
      'd/corpus.jsonl': CORPUS,
      'd/qrels.jsonl': [{ qid: 'A', doc_id: 'd1' }],
    },
    {},
    'qwen2-vl',
  );
  assert.deepEqual(
    es.queries.map((q) => [q.id, q.text]),
    [
      ['A', 't-A'],
      ['B', 'q-B'],
      ['C', 'qc-C'],
      ['D', 'sq-D'],
      ['0', 'zero'],
      ['F', '  '],
      ['G', 'see <|image_pad|> here'], // data_prepare_query (:329-330)
    ],
  );
  assert.deepEqual(es.queries[0].relScores, [1]); // no label/score → 1 (:194)
});

test('FollowIR prefixes instruction_og and InfoSearch instruction_changed, by subset_name (CTR:217-229)', async () => {
  const rows = [
    { _id: 'q1', text: 'base', instruction_og: 'OG.', instruction_changed: 'CH.' },
    { _id: 'q2', text: 'base', instruction_og: null, instruction_changed: '' },
    { _id: 'q3', text: '', instruction_og: '  only og  ', instruction_changed: 'only ch' },
  ];
  const files = { 'd/queries.jsonl': rows, 'd/corpus.jsonl': CORPUS, 'd/qrels.jsonl': [{ qid: 'q1', doc_id: 'd1' }] };
  const texts = async (subsetName: string, qrelsFile = 'd/qrels.jsonl') =>
    (await textTask(files, { subsetName, qrelsFile })).queries.map((q) => q.text);
  assert.deepEqual(await texts('followir/x'), ['OG. base', 'base', 'only og']); // stripped join
  assert.deepEqual(await texts('InfoSearch/Audience-v1'), ['CH. base', 'base', 'only ch']);
  assert.deepEqual(await texts('LongEmbed/x'), ['base', 'base']); // other families: base text only
});

test('a qrels path naming its variant replaces the text with that instruction for other families (CTR:231-236, dead for the shipped YAML)', async () => {
  const es = await textTask(
    {
      'd/queries.jsonl': [
        { _id: 'q1', text: 'base', instruction_changed: 'CHANGED' },
        { _id: 'q2', text: 'base2' },
      ],
      'd/corpus.jsonl': CORPUS,
      'd/qrels_changed/test.jsonl': [{ qid: 'q1', doc_id: 'd1' }],
    },
    { subsetName: 'Other/t', qrelsFile: 'd/qrels_changed/test.jsonl' },
  );
  assert.deepEqual(
    es.queries.map((q) => q.text),
    ['CHANGED', 'base2'],
  );
});

test('corpus: title + "\\n" + text, content fallback, a title alone dropped, first of a repeated id wins (CTR:287-310)', async () => {
  const es = await textTask(
    {
      'd/queries.jsonl': [{ _id: 'q1', text: 'a' }],
      'd/corpus.jsonl': [
        { _id: 'd1', title: 'T', text: 'body' },
        { id: 'd2', title: 'T2', text: '', content: 'from content' },
        { doc_id: 'd3', title: 'title only', text: '' },
        { document_id: 'd4', title: '', text: 'no title' },
        { _id: 'd1', text: 'second d1' },
        { 'corpus-id': 7, text: 'int id' },
        { _id: 0, text: 'id 0 under _id falls through to a missing key: dropped' },
      ],
      'd/qrels.jsonl': [{ qid: 'q1', doc_id: 'd1' }],
    },
    {},
  );
  assert.deepEqual(
    es.candidates.map((c) => [c.id, c.text]),
    [
      ['d1', 'T\nbody'],
      ['d2', 'T2\nfrom content'],
      ['d4', 'no title'],
      ['7', 'int id'],
    ],
  );
});

test('a query text that is not a string is a DataError naming file, row and field', async () => {
  await assert.rejects(
    textTask(
      {
        'd/queries.jsonl': [
          { _id: 'q1', text: 'ok' },
          { _id: 'q2', text: 42 },
        ],
        'd/corpus.jsonl': CORPUS,
        'd/qrels.jsonl': [{ qid: 'q1', doc_id: 'd1' }],
      },
      {},
    ),
    (err: unknown) =>
      err instanceof DataError &&
      err.location.row === 1 &&
      err.location.field === 'text' &&
      /queries\.jsonl$/.test(err.location.file ?? ''),
  );
});

test('no query with a positive is an error, as VLM2Vec raises (CTR:431-435)', async () => {
  await assert.rejects(
    textTask(
      { 'd/queries.jsonl': [{ _id: 'q1', text: 'a' }], 'd/corpus.jsonl': CORPUS, 'd/qrels.jsonl': [{ qid: 'zz', doc_id: 'd1' }] },
      {},
    ),
    /no query has a positive label/,
  );
});

test('missing named files are errors naming the file (CTR:404-409)', async () => {
  await assert.rejects(
    textTask({ 'd/queries.jsonl': [{ _id: 'q1', text: 'a' }], 'd/corpus.jsonl': CORPUS }, { qrelsFile: 'd/nope.jsonl' }),
    /qrels file not found: d\/nope\.jsonl/,
  );
});

const BRIGHT_V3 = {
  dataPath: 'text-tasks',
  subsetName: 'BRIGHT/lc',
  queryFile: 'text-tasks/BRIGHT/examples/lc.jsonl',
  candidateFile: 'text-tasks/BRIGHT/documents/lc.jsonl',
  qrelsFile: undefined,
};
const BRIGHT_DOCS = [
  { id: 'a', content: 'A' },
  { id: 'b', content: 'B' },
];

test('BRIGHT: gold_ids, else gold_ids_long, a JSON string decoded, None dropped, bad JSON → none (CTR:270-276)', async () => {
  const es = await textTask(
    {
      'text-tasks/BRIGHT/examples/lc.jsonl': [
        { id: 'q1', query: 'x', gold_ids: ['a', null, 'b'], gold_ids_long: ['z'] },
        { id: 'q2', query: 'x', gold_ids: [], gold_ids_long: ['b'] },
        { id: 'q3', query: 'x', gold_ids: '["a", 5]' },
        { id: 'q4', query: 'x', gold_ids: 'not json' },
        { id: 'q5', query: 'x', gold_ids: null, gold_ids_long: null },
        { id: 'q6', query: 'x', gold_ids: '"ab"' }, // a decoded string is iterated per character
      ],
      'text-tasks/BRIGHT/documents/lc.jsonl': BRIGHT_DOCS,
    },
    BRIGHT_V3,
  );
  assert.deepEqual(
    es.queries.map((q) => [q.id, q.gold, q.relScores]),
    [
      ['q1', ['a', 'b'], null],
      ['q2', ['b'], null],
      ['q3', ['a', '5'], null],
      ['q4', [], null],
      ['q5', [], null],
      ['q6', ['a', 'b'], null],
    ],
  );
});

test('BRIGHT: a qrels file the search finds under text-tasks/BRIGHT/ wins over gold_ids (CTR:146-172, 387-402)', async () => {
  const files = {
    'text-tasks/BRIGHT/examples/lc.jsonl': [{ id: 'q1', query: 'x', gold_ids: ['a'] }],
    'text-tasks/BRIGHT/documents/lc.jsonl': BRIGHT_DOCS,
  };
  // search order: qrels.jsonl … qrels_og/test.* …, then <task>*.qrels*.jsonl, then qrels/*.parquet, qrels/*.jsonl
  const gold = async (extra: Record<string, object[]>) => (await textTask({ ...files, ...extra }, BRIGHT_V3)).queries[0].gold;
  assert.deepEqual(await gold({ 'text-tasks/BRIGHT/qrels/z.jsonl': [{ qid: 'q1', doc_id: 'b' }] }), ['b']);
  assert.deepEqual(
    await gold({
      'text-tasks/BRIGHT/qrels/z.jsonl': [{ qid: 'q1', doc_id: 'b' }],
      'text-tasks/BRIGHT/lc-x.qrels.jsonl': [
        { qid: 'q1', doc_id: 'a' },
        { qid: 'q1', doc_id: 'b' },
      ],
    }),
    ['a', 'b'],
  );
  assert.deepEqual(
    await gold({
      'text-tasks/BRIGHT/lc-x.qrels.jsonl': [{ qid: 'q1', doc_id: 'a' }],
      'text-tasks/BRIGHT/qrels_og/test.jsonl': [{ qid: 'q1', doc_id: 'b', score: 2 }],
    }),
    ['b'],
  );
  // a qrels file named for another task is not taken: the glob is <task>*.qrels*
  assert.deepEqual(await gold({ 'text-tasks/BRIGHT/pony.qrels.jsonl': [{ qid: 'q1', doc_id: 'b' }] }), ['a']);
});

test('files discovered from data_path + subset_name when the YAML names none (CTR:66-172)', async () => {
  const es = await textTask(
    {
      'text-tasks/Fam/t1/queries/train-0.parquet.jsonl': [{ _id: 'nope', text: 'not a parquet: never matched' }],
      'text-tasks/Fam/t1/query.jsonl': [{ _id: 'q1', text: 'found' }],
      'text-tasks/Fam/t1/corpus/b.jsonl': [{ _id: 'd2', text: 'second by name' }],
      'text-tasks/Fam/t1/corpus/a.jsonl': [{ _id: 'd1', text: 'first by name' }],
      'text-tasks/Fam/t1/qrels/test.jsonl': [{ qid: 'q1', doc_id: 'd1' }],
    },
    { dataPath: 'text-tasks', subsetName: 'Fam/t1', queryFile: undefined, candidateFile: undefined, qrelsFile: undefined },
  );
  assert.deepEqual(
    es.queries.map((q) => [q.id, q.text, q.gold]),
    [['q1', 'found', ['d1']]],
  );
  assert.deepEqual(
    es.candidates.map((c) => c.id),
    ['d1'],
  );
});

// ---------------------------------------------------------------------------------------------------------
// memory_retrieval

async function memoryTask(files: Record<string, string | object[]>, dataPath = 'memory-tasks/Kind/DS', datasetName = 'DS') {
  const root = writeRoot(files);
  const task = taskSpec(datasetName, 'memory_retrieval', { key: `memory/${datasetName}`, dataPath });
  return (await loadEvalSet(task, { dataRoot: root, format: 'plain' })).evalSet;
}

test('memory qrels TSV: tab or whitespace split, TREC Q0, unparsable score → 1.0 (a header line too), <= 0 dropped (MEM:52-82)', async () => {
  const es = await memoryTask({
    'memory-tasks/Kind/DS/queries.jsonl': [
      { _id: 'q1', text: 'a' },
      { _id: 'q2', text: 'b' },
      { _id: 'query-id', text: 'named like the header' },
      { _id: 'q3', text: 'c' },
    ],
    'memory-tasks/Kind/DS/corpus.jsonl': [
      { _id: 'd1', text: 'x' },
      { _id: 'd2', text: 'y' },
    ],
    'memory-tasks/Kind/DS/qrels.tsv': [
      'query-id\tcorpus-id\tscore',
      'q1\td1\t2',
      'q1 Q0 d2 3', // whitespace split, TREC
      'q2\tq0\td2\t1', // Q0 matched case-insensitively
      'q2\td1\tyes', // unparsable → 1.0
      'q3\td1\t0',
      'q3\td2',
      '',
      'q1\td1\t4', // later overwrites, first position
    ].join('\r\n'),
  });
  const byId = Object.fromEntries(es.queries.map((q) => [q.id, q]));
  assert.deepEqual(
    [byId.q1.gold, byId.q1.relScores],
    [
      ['d1', 'd2'],
      [4, 3],
    ],
  );
  assert.deepEqual(
    [byId.q2.gold, byId.q2.relScores],
    [
      ['d2', 'd1'],
      [1, 1],
    ],
  );
  assert.deepEqual([byId['query-id'].gold, byId['query-id'].relScores], [['corpus-id'], [1]]);
  assert.deepEqual([byId.q3.gold, byId.q3.relScores], [[], null]);
});

test('memory discovery: file kind first, then pathlib order (case-sensitive); no qrels → skipped; nearest-ancestor corpus; prefixes (MEM:235-308, 417-459)', async () => {
  const es = await memoryTask({
    'memory-tasks/task_instructions.json': JSON.stringify({ DS: { leaf: 'LEAF:', A: 'never: a parent key' } }),
    'memory-tasks/Kind/DS/corpus.jsonl': [{ _id: 'r1', text: 'root doc' }],
    'memory-tasks/Kind/DS/A/corpus.jsonl': [{ _id: 'a1', text: 'A doc' }],
    'memory-tasks/Kind/DS/A/leaf/query.parquet.jsonl': [{ _id: 'ignored', text: 'not a query file name' }],
    'memory-tasks/Kind/DS/A/leaf/queries.jsonl': [{ _id: 'l1', text: 'in leaf' }],
    'memory-tasks/Kind/DS/A/leaf/qrels/test.jsonl': [{ qid: 'l1', doc_id: 'a1' }],
    'memory-tasks/Kind/DS/b/query.jsonl': [{ _id: 'b1', text: 'in b' }],
    'memory-tasks/Kind/DS/b/qrels.jsonl': [{ qid: 'b1', doc_id: 'r1', label: 2 }],
    'memory-tasks/Kind/DS/B/queries.jsonl': [{ _id: 'B1', text: 'in B' }],
    'memory-tasks/Kind/DS/B/qrels.jsonl': [{ qid: 'B1', doc_id: 'r1' }],
    'memory-tasks/Kind/DS/noqrels/queries.jsonl': [{ _id: 'n1', text: 'skipped' }],
  });
  // queries.jsonl files (A/leaf, B; sorted: 'A' < 'B') before query.jsonl (b)
  assert.deepEqual(
    es.queries.map((q) => [q.id, q.text, q.gold, q.relScores]),
    [
      ['A/leaf::l1', 'LEAF: in leaf', ['A::a1'], [1]],
      ['B::B1', 'in B', ['r1'], [1]],
      ['b::b1', 'in b', ['r1'], [2]],
    ],
  );
  // each corpus read once, in the order of the first subtask reading it; root-level corpus unprefixed
  assert.deepEqual(
    es.candidates.map((c) => c.id),
    ['A::a1', 'r1'],
  );
});

test('memory instructions: LMEB_SciFact, last folder name, dataset key, the single entry of a root-level task (MEM:141-190)', async () => {
  const rows = (id: string) => [{ _id: id, text: 'text' }];
  const base = (ds: string, instr: object, sub = '') => ({
    'memory-tasks/task_instructions.json': JSON.stringify(instr),
    [`memory-tasks/K/${ds}/${sub}corpus.jsonl`]: [{ _id: 'd', text: 'doc' }],
    [`memory-tasks/K/${ds}/${sub}queries.jsonl`]: rows('q'),
    [`memory-tasks/K/${ds}/${sub}qrels.jsonl`]: [{ qid: 'q', doc_id: 'd' }],
  });
  const text = async (ds: string, instr: object, sub = '') =>
    (await memoryTask(base(ds, instr, sub), `memory-tasks/K/${ds}`, ds)).queries[0].text;
  assert.equal(await text('SciFact', { LMEB_SciFact: { LMEB_SciFact: 'SCI', SciFact: 'no' }, SciFact: { SciFact: 'no' } }), 'SCI text');
  assert.equal(await text('DS', { DS: { only: 'ONLY' } }), 'ONLY text'); // root-level, one entry
  assert.equal(await text('DS', { DS: { one: 'ONE', two: 'TWO' } }), 'text'); // two entries: none
  assert.equal(await text('DS', { DS: { DS: 'DATASET', other: 'x' } }, 'sub/'), 'DATASET text');
  assert.equal(await text('DS', { DS: { sub: '  SUB  ', DS: 'DATASET' } }, 'sub/'), 'SUB   text'); // stripped join
  assert.equal(await text('DS', { DS: 'not a dict' }), 'text');
  assert.equal(await text('DS', {}), 'text');
});

test('memory: an empty text with an instruction becomes the instruction alone; without one it is dropped (MEM:441-446)', async () => {
  const files = (instr: object) => ({
    'memory-tasks/task_instructions.json': JSON.stringify(instr),
    'memory-tasks/K/DS/corpus.jsonl': [{ _id: 'd', text: 'doc' }],
    'memory-tasks/K/DS/queries.jsonl': [
      { _id: 'q1', text: '' },
      { _id: 'q2', text: ' x ' },
    ],
    'memory-tasks/K/DS/qrels.jsonl': [{ qid: 'q2', doc_id: 'd' }],
  });
  const withInstr = await memoryTask(files({ DS: { DS: 'INSTR' } }), 'memory-tasks/K/DS');
  assert.deepEqual(
    withInstr.queries.map((q) => [q.id, q.text, q.gold]),
    [
      ['q1', 'INSTR', []],
      ['q2', 'INSTR  x', ['d']],
    ],
  );
  const without = await memoryTask(files({}), 'memory-tasks/K/DS');
  assert.deepEqual(
    without.queries.map((q) => [q.id, q.text]),
    [['q2', ' x ']],
  );
});

test('memory: no subtask, or no positive anywhere, is an error', async () => {
  await assert.rejects(
    memoryTask({ 'memory-tasks/K/DS/queries.jsonl': [{ _id: 'q', text: 'a' }] }, 'memory-tasks/K/DS'),
    /no memory retrieval subtask/,
  );
  await assert.rejects(
    memoryTask(
      {
        'memory-tasks/K/DS/queries.jsonl': [{ _id: 'q', text: 'a' }],
        'memory-tasks/K/DS/corpus.jsonl': [{ _id: 'd', text: 'doc' }],
        'memory-tasks/K/DS/qrels.tsv': 'q\td\t0\n',
      },
      'memory-tasks/K/DS',
    ),
    /no query has a positive label/,
  );
});

// ---------------------------------------------------------------------------------------------------------
// scoring and Python value helpers

test('a query without gold scores 0 on hit@k and NDCG (graded or binary) and does not crash the scorer', () => {
  const m = perQueryMetrics({ prediction: ['a', 'b'], label: [], rel_scores: null });
  assert.equal(m['hit@1'], 0);
  assert.equal(m['ndcg_linear@5'], 0);
  assert.equal(m['precision@5'], 0);
  const graded = perQueryMetrics({ prediction: ['b', 'a'], label: ['a', 'b'], rel_scores: [1, 3] });
  assert.equal(graded['ndcg_linear@5'], 1); // b (grade 3) first is the ideal order
  const s = scorePredictions([
    { prediction: ['a'], label: ['a'], rel_scores: [2] },
    { prediction: ['a'], label: [], rel_scores: null },
  ]);
  assert.equal(s['hit@1'], 0.5);
  assert.equal(s['ndcg_linear@5'], 0.5);
});

test('Python value helpers: truthiness, str() of ids, float() of grades', () => {
  assert.deepEqual([0, '', [], {}, null, false, Number.NaN, '0', [0], { a: 1 }].map(pyTruthy), [
    false,
    false,
    false,
    false,
    false,
    false,
    true,
    true,
    true,
    true,
  ]);
  assert.deepEqual(
    ['x', 5, true, 1.5, 1e-5, 0.0001, 1.5e20, [1]].map(pyStrScalar),
    ['x', '5', 'True', '1.5', '1e-05', '0.0001', null, null], // an integer-valued 1.5e20 has lost its float-ness: refused
  );
  assert.deepEqual([1.5e-7, -2.25, 123.456, 1.25e-5, 0.1 + 0.2].map(pyFloatRepr), [
    '1.5e-07',
    '-2.25',
    '123.456',
    '1.25e-05',
    '0.30000000000000004',
  ]);
  assert.deepEqual([' 2 ', '1_000', '1e3', '.5', '-inf', 'abc', '', '1__0', null, [], true].map(pyFloat), [
    2,
    1000,
    1000,
    0.5,
    -Infinity,
    null,
    null,
    null,
    null,
    null,
    1,
  ]);
  assert.ok(Number.isNaN(pyFloat('NaN')));
});
