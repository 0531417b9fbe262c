/**
 * The MMEB-V3 toolde, gui and mcmr parser families against the EvalSets VLM2Vec's own parsers built from the
 * shared V3 format fixtures (test/fixtures/mmeb-v3-formats/expected/*.jsonl, Stars1233/VLM2Vec 44f991d),
 * compared as parsed JSON in `plain` format, plus the rules the fixtures do not reach, each with the
 * reference lines it follows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalogFor, getTask } from '../src/catalog/load.js';
import type { TaskSpec, V3Source } from '../src/catalog/types.js';
import { loadEvalSet } from '../src/datasets/load.js';
import { renderVlm2vec } from '../src/datasets/vlm2vec-text.js';
import { imagePathEntries, pyLiteralEval, guiParquetFiles } from '../src/datasets/gui.js';
import { toolDocumentText } from '../src/datasets/toolde.js';
import { mcmrGold, mcmrImageName, mcmrStringify } from '../src/datasets/mcmr.js';
import { validateTasks } from '../src/datasets/validate.js';
import { formatValidation } from '../src/engine/data-check.js';
import { pyJsonLoads } from '../src/util/pyjson.js';
import { DataError } from '../src/errors.js';
import { writeHfParquet } from '../scripts/lib/hf-parquet.js';
import { FIXTURES, tempDir } from './helpers.js';

const V3 = join(FIXTURES, 'mmeb-v3-formats');
const ROOT = join(V3, 'root');

/** tasks.tsv: report name → YAML key. */
const YAML_KEYS = new Map(
  readFileSync(join(V3, 'tasks.tsv'), 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split('\t'))
    .map(([name, key]) => [name, key] as const),
);

/** The YAML entries (experiments/public/eval/tool.yaml, gui.yaml, image.yaml:173-181 at 44f991d) as V3Source. */
function v3Source(name: string): V3Source {
  const key = YAML_KEYS.get(name);
  assert.ok(key, `${name} in tasks.tsv`);
  if (key.startsWith('toolde/')) {
    const [, category, t] = key.split('/');
    return {
      key,
      subsetName: `${category}/${t}`,
      queryFile: `tool-tasks/ToolDe-Queries/${category}/${t}/queries-00000-of-00001.parquet`,
      candidateFile: `tool-tasks/ToolDe-Candidates/${category}/tools-00000-of-00001.parquet`,
    };
  }
  if (key.startsWith('GAE-'))
    return { key, split: key.split('_')[1], imageRoot: `gui-tasks/${key.startsWith('GAE-GUIAct') ? 'GUIAct' : 'Mind2Web'}/` };
  assert.equal(key, 'MCMR');
  return {
    key,
    subsetName: 'MCMR',
    queryFile: 'image-tasks/MCMR/query.jsonl',
    candidateFile: 'image-tasks/MCMR/candidates.jsonl',
    imageRoot: 'image-tasks/MCMR/images',
  };
}

function spec(name: string, parser: 'toolde' | 'gui' | 'mcmr', v3: V3Source = v3Source(name), extra: Partial<TaskSpec> = {}): TaskSpec {
  return {
    name,
    modality: 'image',
    meta: 'I-RET',
    metric: 'hit@1',
    mode: 'global',
    parser,
    scored: true,
    hf: { repo: 'VLM2Vec/MMEB-V3', split: 'test' },
    media: {},
    ...(parser === 'mcmr' ? { instructions: { query: 'Find an image-text pair that matches the given query' } } : {}),
    v3,
    ...extra,
  } as TaskSpec;
}

function expectedLines(name: string): { queries: Record<string, unknown>[]; targets: Record<string, unknown>[] } {
  const lines = readFileSync(join(V3, 'expected', `${name}.jsonl`), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { queries: lines.filter((l) => l.role === 'query'), targets: lines.filter((l) => l.role === 'target') };
}

async function build(task: TaskSpec, dataRoot = ROOT, format: 'plain' | 'qwen2-vl' = 'plain') {
  // collectProblems: VLM2Vec keeps empty golds and repeated corpus ids, which a strict build refuses (see the report)
  return loadEvalSet(task, { dataRoot, version: 'v2.1', format, collectProblems: true });
}

const FIXTURE_TASKS: [string, 'toolde' | 'gui' | 'mcmr'][] = [
  ['gorilla-pytorch', 'toolde'],
  ['toolalpaca', 'toolde'],
  ['GAE-Mind2Web_t2s', 'gui'],
  ['GAE-Mind2Web_q2t', 'gui'],
  ['MCMR', 'mcmr'],
];

for (const [name, parser] of FIXTURE_TASKS) {
  test(`V3 ${parser} ${name}: the EvalSet is the one VLM2Vec builds (expected/${name}.jsonl)`, async () => {
    // through the real V3 catalog entry, which must say what the YAML says
    const task = getTask(name, catalogFor('v3'));
    assert.equal(task.parser, parser);
    assert.deepEqual(
      { ...task.v3, imageRoot: task.v3?.imageRoot?.replace(/\/$/, '') },
      { ...v3Source(name), imageRoot: v3Source(name).imageRoot?.replace(/\/$/, '') },
    );
    const { evalSet } = await loadEvalSet(task, { dataRoot: ROOT, version: 'v3', format: 'plain', collectProblems: true });
    const exp = expectedLines(name);
    const queries = evalSet.queries.map((q) => ({
      role: 'query',
      id: q.id,
      text: q.text,
      media: q.media.map((m) => (m.kind === 'frames' ? m.paths : m.path)),
      candidates: q.candidateIds,
      gold: q.gold,
      rel_scores: q.relScores,
    }));
    const targets = evalSet.candidates.map((c) => ({
      role: 'target',
      id: c.id,
      text: c.text,
      media: c.media.map((m) => (m.kind === 'frames' ? m.paths : m.path)),
    }));
    assert.deepEqual(queries, exp.queries);
    assert.deepEqual(targets, exp.targets);
    // the data files VLM2Vec's parser opened, in order (reads.json)
    const reads = (JSON.parse(readFileSync(join(V3, 'reads.json'), 'utf8')) as { tasks: Record<string, string[]> }).tasks[name];
    assert.deepEqual(
      evalSet.dataFiles.map((f) =>
        f
          .slice(ROOT.length + 1)
          .split('\\')
          .join('/'),
      ),
      reads,
    );
    assert.equal(evalSet.labelShape, 'list');
  });
}

test('V3 qwen2-vl strings: MCMR candidates "<|image_pad|>  " + text (process_input_text, eval mcmr_dataset.py:89-94), GUI texts keep the data token (gui_dataset.py:42-44)', async () => {
  const mcmr = (await build(spec('MCMR', 'mcmr'), ROOT, 'qwen2-vl')).evalSet;
  assert.equal(mcmr.candidates[5].text, '<|image_pad|>  title: Desk lamp\nprice: 24.0');
  assert.equal(mcmr.queries[4].text, 'Find an image-text pair that matches the given query');
  const gui = (await build(spec('GAE-Mind2Web_t2s', 'gui'), ROOT, 'qwen2-vl')).evalSet;
  assert.equal(gui.candidates[0].text, '<|image_pad|>\nRepresent the given webpage screenshot.');
  // GME (processor.py:2070-2074): instruction + " " + text, stripped → no leading space, no token
  const c = mcmr.candidates[5];
  assert.equal(renderVlm2vec(c.parts!, c.media, 'gme'), 'title: Desk lamp\nprice: 24.0');
});

test('V3 toolde: what the fixture EvalSets carry as VLM2Vec keeps it (empty gold, repeated pool id) is built, not refused', async () => {
  const { problems, evalSet } = await build(spec('gorilla-pytorch', 'toolde'));
  assert.deepEqual(problems, []);
  // toolde_dataset.py keeps the query without a label (it scores 0) and generate_cand_dataset keeps the first
  // row of a repeated tool id
  assert.deepEqual(evalSet.queries.find((q) => q.id === 'gorilla-pytorch_query_4')?.gold, []);
  assert.equal(evalSet.candidates.filter((c) => c.id === 'gorilla_pytorch_tool_12').length, 1);
});

// ---- toolde rules the fixtures do not reach ----

test('toolde documentation (toolde_dataset.py:249-259): dict re-dumped, other values str(), undecodable verbatim', () => {
  const cases: [string, string][] = [
    ['{"b": 1, "a": [1.5, true, null]}', '{"b": 1, "a": [1.5, true, null]}'],
    ['{"200": 1, "404": 2, "default": 3}', '{"200": 1, "404": 2, "default": 3}'],
    ['{"404": 1, "200": 2}', '{"404": 1, "200": 2}'], // key order as stored (JS would put 200 first)
    ['{"x": "caf\u00e9 \ud83d\ude00"}', '{"x": "caf\\u00e9 \\ud83d\\ude00"}'],
    ['{"x": 1e16, "y": 1E-5, "z": -0.0}', '{"x": 1e+16, "y": 1e-05, "z": -0.0}'],
    ['[1, "a", {"k": false}]', "[1, 'a', {'k': False}]"],
    ['"a \\"quoted\\" string"', 'a "quoted" string'],
    ['42', '42'],
    ['1e3', '1000.0'],
    ['true', 'True'],
    ['null', 'None'],
    ['', ''], // empty documentation: an empty candidate
    ['{bad json', '{bad json'],
    ['{"a": 1} trailing', '{"a": 1} trailing'],
  ];
  for (const [doc, want] of cases) assert.equal(toolDocumentText(doc), want, doc);
  // a null documentation is None under pandas 2 (README Q-T3)
  assert.equal(toolDocumentText(null), 'None');
});

async function toolRoot(queries: Record<string, unknown>[], tools: Record<string, unknown>[], { labelsList = false } = {}) {
  const dir = tempDir('tte-v3-toolde-');
  const str = (name: string) => ({ name, type: 'string' as const });
  writeHfParquet(
    join(dir, 'tool-tasks/ToolDe-Queries/web/t/queries-00000-of-00001.parquet'),
    [str('id'), str('query'), str('instruction'), labelsList ? { name: 'labels', type: 'string[]' as const } : str('labels')],
    queries,
  );
  writeHfParquet(join(dir, 'tool-tasks/ToolDe-Candidates/web/tools-00000-of-00001.parquet'), [str('id'), str('documentation')], tools);
  return dir;
}

const TOOL_V3: V3Source = {
  key: 'toolde/web/t',
  subsetName: 'web/t',
  queryFile: 'tool-tasks/ToolDe-Queries/web/t/queries-00000-of-00001.parquet',
  candidateFile: 'tool-tasks/ToolDe-Candidates/web/tools-00000-of-00001.parquet',
};

test('toolde queries (toolde_dataset.py:187-225): label shapes, instruction join, null query, empty text dropped, <|image_1|>', async () => {
  const dir = await toolRoot(
    [
      { id: 'q1', query: 'find it', instruction: 'Inst.', labels: 'plain-id' }, // not JSON → one id
      { id: 'q2', query: null, instruction: 'Inst.', labels: '["a", 7, {"id": "b"}, {"name": "x"}]' }, // ints and dicts without id skipped
      { id: 'q3', query: '  spaced  ', instruction: '', labels: '{"id": "c"}' }, // no instruction: not stripped
      { id: 'q4', query: '', instruction: '', labels: '["a"]' }, // empty → dropped (:64-66)
      { id: 'q5', query: 'see <|image_1|> here', instruction: null, labels: '   ' }, // blank labels → none
      { id: 'q6', query: 'x', instruction: 'I', labels: '"quoted"' },
    ],
    [
      { id: 'a', documentation: '{"k": "v"}' },
      { id: 'b', documentation: '' },
      { id: 'c', documentation: null },
    ],
  );
  try {
    const { evalSet } = await build(spec('t', 'toolde', TOOL_V3), dir, 'qwen2-vl');
    assert.deepEqual(
      evalSet.queries.map((q) => [q.id, q.text, q.gold]),
      [
        ['q1', 'Inst. find it', ['plain-id']],
        ['q2', 'Inst. None', ['a', 'b']],
        ['q3', '  spaced  ', ['c']],
        ['q5', 'see <|image_pad|> here', []],
        ['q6', 'I x', ['quoted']],
      ],
    );
    assert.deepEqual(
      evalSet.candidates.map((c) => [c.id, c.text]),
      [
        ['a', '{"k": "v"}'],
        ['b', ''],
        ['c', 'None'],
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('toolde: a list column of labels yields no gold, as pandas’ numpy array does in VLM2Vec (toolde_dataset.py:215-225), with a warning', async () => {
  const dir = await toolRoot([{ id: 'q1', query: 'q', instruction: 'I', labels: ['a'] }], [{ id: 'a', documentation: 'doc' }], {
    labelsList: true,
  });
  try {
    const { evalSet, problems } = await build(spec('t', 'toolde', TOOL_V3), dir);
    assert.deepEqual(evalSet.queries[0].gold, []);
    assert.ok(problems.some((p) => p.warning && /numpy array/.test(p.message)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- gui rules ----

test('gui file choice (dataset_utils.py:92-101): <split>-*.parquet, else <split>*.parquet, else every parquet; Python order', () => {
  assert.deepEqual(guiParquetFiles(['t2s_v0.parquet', 't2s-00001-of-00002.parquet', 't2s-00000-of-00002.parquet'], 't2s'), [
    't2s-00000-of-00002.parquet',
    't2s-00001-of-00002.parquet',
  ]);
  assert.deepEqual(guiParquetFiles(['q2t.parquet', 'q2t_b.parquet', 'x.parquet'], 'q2t'), ['q2t.parquet', 'q2t_b.parquet']);
  assert.deepEqual(guiParquetFiles(['b.parquet', 'a.parquet', 'B.parquet', '.hidden.parquet', 'notes.txt'], 's2s'), [
    'B.parquet',
    'a.parquet',
    'b.parquet',
  ]);
});

test('gui image path fields (process_multi_images, gui_dataset.py:11-31): list, Python literal string, single path; empties', () => {
  const cases: [unknown, string[]][] = [
    [null, ['']],
    ['', ['']],
    [[], ['']],
    ['[]', ['']],
    ["['']", ['']],
    ['screens/a.png', ['screens/a.png']],
    ['./screens/a b.png', ['./screens/a b.png']],
    ["['screens/a.png', '', None]", ['screens/a.png', '', '']],
    ['["x\\"y.png", r\'c:\\d.png\']', ['x"y.png', 'c:\\d.png']],
    ["('a.png', 'b.png')", ['a.png', 'b.png']],
    ["'a.png', 'b.png'", ['a.png', 'b.png']],
    ["['\\u00e9.png', '\\x41.png']", ['é.png', 'A.png']],
    [
      ['a.png', null, ''],
      ['a.png', '', ''],
    ],
    ['1.png', ['1.png']], // not a literal: one path
    ['None.png', ['None.png']],
  ];
  for (const [v, want] of cases) assert.deepEqual(imagePathEntries(v), want, JSON.stringify(v));
  // what VLM2Vec would iterate per character, fail on, or read in hash order is refused (README Q-L)
  for (const bad of [
    "'a.png'",
    '42',
    'None',
    "{'a.png': 1}",
    "{'a.png', 'b.png'}",
    "['a.png', 3]",
    "[b'a.png']",
    "['a' 'b']",
    '[unclosed',
  ]) {
    assert.throws(() => imagePathEntries(bad), DataError, bad);
  }
  assert.equal(pyLiteralEval('screens/x.png'), null);
});

test('gui: a screenshot that does not exist is no image (eval_collator.py:176-181), reported as a warning; validate stays ok', async () => {
  const dir = tempDir('tte-v3-gui-');
  try {
    cpSync(join(ROOT, 'gui-tasks'), join(dir, 'gui-tasks'), { recursive: true });
    rmSync(join(dir, 'gui-tasks/Mind2Web/screens/0c5f1a2b/step_01.png'));
    const task = spec('GAE-Mind2Web_q2t', 'gui');
    const { evalSet, problems } = await build(task, dir);
    assert.deepEqual(evalSet.queries[0].media, []);
    assert.equal(evalSet.queries[0].text, '\nTask: book a one-way flight from New York to Los Angeles on May 12. Which action comes next?');
    const warnings = problems.filter((p) => p.warning);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0].message, /screenshot gui-tasks\/Mind2Web\/screens\/0c5f1a2b\/step_01\.png does not exist/);
    assert.equal(warnings[0].location.field, 'qry_image_path');
    // a strict build (run, dump) goes on the same way: a warning never stops it
    const strict = await loadEvalSet(task, { dataRoot: dir, version: 'v2.1' });
    assert.deepEqual(strict.evalSet.queries[0].media, []);
    const [v] = await validateTasks([task], { dataRoot: dir, version: 'v2.1' });
    assert.equal(v.ok, true);
    const text = formatValidation([v]);
    assert.match(
      text,
      /- warning: .*q2t\.parquet, row 0, field 'qry_image_path': screenshot gui-tasks\/Mind2Web\/screens\/0c5f1a2b\/step_01\.png does not exist/,
    );
    assert.match(text, /1 of 1 task\(s\) complete; 1 warning\(s\)\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('gui: positives from query rows win over corpus rows with the same id (base_eval_dataset.py:136-197)', async () => {
  const { evalSet } = await build(spec('GAE-Mind2Web_q2t', 'gui'));
  const c = evalSet.candidates.find((x) => x.id === 'b3a1c4d5_a3');
  assert.equal(c?.text, '[combobox]  Passengers -> SELECT: 2 Adults'); // the corpus copy says "(corpus copy)"
});

// ---- mcmr rules ----

test('mcmr _stringify (mcmr_dataset.py:57-70) and image names (:93-100)', () => {
  const v = (s: string) => pyJsonLoads(s);
  assert.equal(mcmrStringify(v('"  a  "')), 'a');
  assert.equal(mcmrStringify(v('0')), '0');
  assert.equal(mcmrStringify(v('24.0')), '24.0');
  assert.equal(mcmrStringify(v('true')), 'True');
  assert.equal(mcmrStringify(v('[" a ", "", 2, [3.5, null]]')), 'a 2 3.5');
  assert.equal(mcmrStringify(v('{"b": "\u00fc", "a": [1, 1e-7]}')), '{"a": [1, 1e-07], "b": "\\u00fc"}');
  assert.equal(mcmrStringify(null), '');
  assert.equal(mcmrImageName(' https://m.media-amazon.com/images/I/81Hk%2BBoot8L._AC_UY695_.jpg?x=1 '), '81Hk%2BBoot8L._AC_UY695_.jpg');
  assert.equal(mcmrImageName('https://host/dir/'), '');
});

test('mcmr pos_ids (mcmr_dataset.py:137-147): list, JSON string, plain string, scalar; refused where VLM2Vec crashes or splits', () => {
  const w = { task: 'MCMR' };
  const v = (s: string) => pyJsonLoads(s);
  assert.deepEqual(mcmrGold(v('["B1", 2, " ", null]'), w), ['B1', '2', 'None']);
  assert.deepEqual(mcmrGold('["B1","B2"]', w), ['B1', 'B2']);
  assert.deepEqual(mcmrGold('B0X', w), ['B0X']);
  assert.deepEqual(mcmrGold(v('5'), w), ['5']);
  assert.deepEqual(mcmrGold(v('0'), w), []);
  assert.deepEqual(mcmrGold(undefined, w), []);
  // JSON strings that decode to a string (one id per character in VLM2Vec), a number, a bool or null (TypeError there)
  for (const bad of ['"B0X"', '1234567890', 'true', 'null']) assert.throws(() => mcmrGold(bad, w), DataError, bad);
});

test('mcmr: a candidate without an existing image is an error naming it (mcmr_dataset.py:170-173)', async () => {
  const dir = tempDir('tte-v3-mcmr-');
  try {
    cpSync(join(ROOT, 'image-tasks'), join(dir, 'image-tasks'), { recursive: true });
    rmSync(join(dir, 'image-tasks/MCMR/images/lamp.png'));
    await assert.rejects(
      loadEvalSet(spec('MCMR', 'mcmr'), { dataRoot: dir, version: 'v2.1' }),
      (err: unknown) => err instanceof DataError && /candidate B0LAMP0001/.test(err.message) && /candidates\.jsonl/.test(err.message),
    );
    writeFileSync(join(dir, 'image-tasks/MCMR/candidates.jsonl'), '{"candidate_id": "X", "images": null}\n');
    await assert.rejects(loadEvalSet(spec('MCMR', 'mcmr'), { dataRoot: dir, version: 'v2.1' }), /images is null/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
