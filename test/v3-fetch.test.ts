/**
 * `fetch --mmeb-version v3` against a Hub on 127.0.0.1 serving a small VLM2Vec/MMEB-V3 built here from real
 * archives: GNU tar's gzip and plain tars, a gzip tar split into parts, a zip whose top folder is lower-case, and a
 * tar with a member that leaves the destination. Unpacked as dataset_setup_v3.py (44f991d) does, resumable, and
 * every archive checked before it is written out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { fetchMmebV3 } from '../src/datasets/fetch-v3.js';
import { validateDataRoot } from '../src/engine/data-check.js';
import { tempDir } from './helpers.js';
import { startHub } from './hub-server.js';

function put(root: string, rel: string, data: string | Buffer): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), data);
}

/** A real tar made by GNU tar (`gzip`: -z) of `folder` under `from`. */
function gnuTar(from: string, folder: string, gzip: boolean): Buffer {
  return execFileSync('tar', ['--format=gnu', '-C', from, gzip ? '-czf' : '-cf', '-', folder], { maxBuffer: 1 << 26 });
}

/** A zip (deflated entries, central directory) of name → content; the format of APPNOTE 6.3, written here. */
function zip(entries: [string, Buffer | null][]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, body] of entries) {
    const n = Buffer.from(name);
    const data = body ? deflateRawSync(body) : Buffer.alloc(0);
    const crc = body ? crc32(body) : 0;
    const size = body?.length ?? 0;
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(body ? 8 : 0, 8);
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(data.length, 18);
    lh.writeUInt32LE(size, 22);
    lh.writeUInt16LE(n.length, 26);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(20, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(body ? 8 : 0, 10);
    ch.writeUInt32LE(crc, 16);
    ch.writeUInt32LE(data.length, 20);
    ch.writeUInt32LE(size, 24);
    ch.writeUInt16LE(n.length, 28);
    ch.writeUInt32LE(offset, 42);
    locals.push(lh, n, data);
    central.push(ch, n);
    offset += 30 + n.length + data.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** One ustar member with a name GNU tar would never write (`../evil.txt`), as a hostile archive has it. */
function hostileTar(name: string, body: string): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0);
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${Buffer.byteLength(body).toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const data = Buffer.alloc(Math.ceil(Buffer.byteLength(body) / 512) * 512);
  data.write(body);
  return Buffer.concat([h, data, Buffer.alloc(1024)]);
}

const LONG =
  'a-tool-category-with-a-name-long-enough/that-its-path-needs/a-gnu-long-name-record-in-the-archive/queries-00000-of-00001.parquet';

/** The raw download: the `*_tasks/` folders the Hub holds. */
function buildHub(): { hub: string; repo: string } {
  const hub = tempDir();
  const repo = join(hub, 'VLM2Vec/MMEB-V3');
  const src = tempDir();
  // text-tasks: a gzip tar split into three parts (joined in name order)
  put(src, 'text-tasks/BRIGHT/examples/pony-00000-of-00001.parquet', 'pony examples');
  put(src, 'text-tasks/FollowIR/news21-instructions/queries.jsonl', '{"_id":"1"}\n');
  const textTar = gnuTar(src, 'text-tasks', true);
  const third = Math.ceil(textTar.length / 3);
  for (let i = 0; i < 3; i++) put(repo, `text_tasks/text_tasks.tar.part-00${i}`, textTar.subarray(i * third, (i + 1) * third));
  // tool-tasks: tar.gz with a member path over 100 characters
  put(src, `tool-tasks/ToolDe-Queries/${LONG}`, 'long');
  put(src, 'tool-tasks/ToolDe-Candidates/web/tools-00000-of-00001.parquet', 'pool');
  put(repo, 'tool_tasks/tool_tasks.tar.gz', gnuTar(src, 'tool-tasks', true));
  // memory-tasks: a plain tar, flat as the real archive (no type level)
  put(src, 'memory-tasks/DeepPlanning/shopping/queries.jsonl', '{"_id":"s1"}\n');
  put(src, 'memory-tasks/task_instructions.json', '{}\n');
  put(repo, 'memory_tasks/memory-tasks.tar', gnuTar(src, 'memory-tasks', false));
  // gui: query/corpus folders copied; screenshots in a zip whose top folder is lower-case
  put(repo, 'gui_tasks/GAE-GUIAct/queries/t2s-00000-of-00001.parquet', 'q');
  put(repo, 'gui_tasks/GAE-GUIAct/corpus/t2s-00000-of-00001.parquet', 'c');
  put(repo, 'gui_tasks/GAE-Mind2Web/queries/t2s-00000-of-00001.parquet', 'q');
  put(
    repo,
    'gui_tasks/GUIAct.zip',
    zip([
      ['guiact/', null],
      ['guiact/web/s1.png', Buffer.from('png bytes '.repeat(50))],
    ]),
  );
  put(repo, 'gui_tasks/Mind2Web.zip', zip([['Mind2Web/screens/a.png', Buffer.from('m2w')]]));
  return { hub, repo };
}

test("fetch --mmeb-version v3: downloads, joins parts, unpacks into the script's folders, marks them done, resumes", async () => {
  const { hub: hubRoot, repo } = buildHub();
  const hub = await startHub(hubRoot, { lfs: true });
  try {
    const to = tempDir();
    const lines: string[] = [];
    // an interrupted download: the first bytes of the tool archive are already there
    const toolTar = readFileSync(join(repo, 'tool_tasks/tool_tasks.tar.gz'));
    put(to, 'tool_tasks/tool_tasks.tar.gz.incomplete', toolTar.subarray(0, 100));
    const r = await fetchMmebV3({ to, groups: ['text', 'tool', 'memory', 'gui'], hubUrl: hub.url, log: (l) => lines.push(l) });
    assert.deepEqual(r.unpacked, [
      'gui-tasks/GAE-GUIAct',
      'gui-tasks/GAE-Mind2Web',
      'gui-tasks/GUIAct',
      'gui-tasks/Mind2Web',
      'memory-tasks',
      'text-tasks',
      'tool-tasks',
    ]);
    assert.ok(lines.includes('tool_tasks/tool_tasks.tar.gz: resumed at byte 100'));
    assert.deepEqual(readFileSync(join(to, 'tool_tasks/tool_tasks.tar.gz')), toolTar);
    assert.equal(readFileSync(join(to, 'text-tasks/BRIGHT/examples/pony-00000-of-00001.parquet'), 'utf8'), 'pony examples');
    assert.equal(readFileSync(join(to, `tool-tasks/ToolDe-Queries/${LONG}`), 'utf8'), 'long');
    assert.equal(readFileSync(join(to, 'memory-tasks/DeepPlanning/shopping/queries.jsonl'), 'utf8'), '{"_id":"s1"}\n');
    // the lower-case zip folder renamed, as the script does
    assert.equal(readFileSync(join(to, 'gui-tasks/GUIAct/web/s1.png'), 'utf8'), 'png bytes '.repeat(50));
    assert.ok(!existsSync(join(to, 'gui-tasks/guiact')));
    assert.equal(readFileSync(join(to, 'gui-tasks/GAE-GUIAct/queries/t2s-00000-of-00001.parquet'), 'utf8'), 'q');
    for (const t of r.unpacked) assert.ok(existsSync(join(to, t, '.done')), `${t}/.done`);
    // the memory archive unpacks flat: validate says so (the script does not add the type level either)
    const v = await validateDataRoot(['DeepPlanning'], { dataRoot: to, version: 'v3' });
    assert.match(v[0].problems[0].hint ?? '', /unpacks flat/);

    // rerun: nothing downloaded, every target skipped
    const before = hub.downloads.length;
    const again = await fetchMmebV3({ to, groups: ['text', 'tool', 'memory', 'gui'], hubUrl: hub.url });
    assert.deepEqual(again.unpacked, []);
    assert.equal(again.skipped.length, 7);
    assert.equal(hub.downloads.length, before, 'done targets download nothing');

    // a target without its marker is removed and unpacked again from the archive on disk (no download)
    rmSync(join(to, 'text-tasks/.done'));
    writeFileSync(join(to, 'text-tasks/stale.txt'), 'left by an interrupted run');
    const third = await fetchMmebV3({ to, groups: ['text'], hubUrl: hub.url });
    assert.deepEqual(third.unpacked, ['text-tasks']);
    assert.deepEqual(third.kept.sort(), [
      'text_tasks/text_tasks.tar.part-000',
      'text_tasks/text_tasks.tar.part-001',
      'text_tasks/text_tasks.tar.part-002',
    ]);
    assert.ok(!existsSync(join(to, 'text-tasks/stale.txt')));
    assert.equal(hub.downloads.length, before);

    // an archive on disk that differs from the Hub's sha256 is refused before anything is unpacked
    rmSync(join(to, 'tool-tasks/.done'));
    const bad = Buffer.from(toolTar);
    bad[bad.length - 20] ^= 0xff;
    writeFileSync(join(to, 'tool_tasks/tool_tasks.tar.gz'), bad);
    await assert.rejects(
      fetchMmebV3({ to, groups: ['tool'], hubUrl: hub.url }),
      /tool_tasks\/tool_tasks\.tar\.gz: sha256 [0-9a-f]{64} differs from the Hub's/,
    );
    assert.ok(!existsSync(join(to, 'tool-tasks')), 'the partial target was cleared, nothing unpacked');
  } finally {
    await hub.close();
  }
});

test('fetch --mmeb-version v3 refuses a member path that leaves the destination, a corrupt gzip, and a missing archive', async () => {
  const hubRoot = tempDir();
  const repo = join(hubRoot, 'VLM2Vec/MMEB-V3');
  const src = tempDir();
  put(src, 'image-tasks/MMEB/OK-VQA/a.jpg', 'jpg');
  put(repo, 'image_tasks/mmeb_v1.tar.gz', gnuTar(join(src, 'image-tasks'), 'MMEB', true));
  put(repo, 'image_tasks/MCMR.tar.gz', hostileTar('../evil.txt', 'owned'));
  const hub = await startHub(hubRoot);
  try {
    const to = tempDir();
    await assert.rejects(
      fetchMmebV3({ to, groups: ['image'], hubUrl: hub.url }),
      /unsafe member path '\.\.\/evil\.txt' \(leaves the destination\)/,
    );
    assert.ok(!existsSync(join(to, 'evil.txt')) && !existsSync(join(to, 'image-tasks/evil.txt')));
    assert.ok(existsSync(join(to, 'image-tasks/MMEB/.done')), 'the good archive before it was unpacked');
    assert.ok(!existsSync(join(to, 'image-tasks/MCMR')));

    // a truncated gzip: the Hub lists what it holds, so only the gzip check can catch it
    const good = readFileSync(join(repo, 'image_tasks/mmeb_v1.tar.gz'));
    put(repo, 'image_tasks/MCMR.tar.gz', good.subarray(0, good.length - 30));
    const to2 = tempDir();
    await assert.rejects(
      fetchMmebV3({ to: to2, groups: ['image'], hubUrl: hub.url }),
      /MCMR\.tar\.gz.*archive check failed: .*(unexpected end of file|truncated)/,
    );

    // an archive the dataset lacks, for a target not on disk
    rmSync(join(repo, 'image_tasks/MCMR.tar.gz'));
    await assert.rejects(
      fetchMmebV3({ to: tempDir(), groups: ['image'], hubUrl: hub.url }),
      /VLM2Vec\/MMEB-V3 has no image_tasks\/MCMR\.tar\.gz for image-tasks\/MCMR/,
    );
  } finally {
    await hub.close();
  }
});
