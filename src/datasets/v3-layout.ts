/**
 * `validate --mmeb-version v3`, first pass: does the MMEB-V3 root hold the files and folders each task's parser
 * family reads, in the places VLM2Vec's YAML (experiments/public/eval/*.yaml) and path table
 * (src/constant/dataset_hflocal_path.py) put them? Every missing piece is named with a hint that says what to do,
 * including the staging steps dataset_setup_v3.py (44f991d) leaves to the user: the memory type level, GUI zips
 * unpacked lower-case, image-query/ supplied separately, the extra levels of the video frame roots, raw `*_tasks`
 * folders never unpacked into `*-tasks`, and targets whose unpacking never finished (no `.done`).
 */
import { existsSync, lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, posix, relative, sep } from 'node:path';
import type { TaskSpec } from '../catalog/types.js';
import type { DataProblem } from './context.js';
import { DONE_MARKER, targetOf } from './v3-archives.js';

/** One thing a task reads: a file, a folder, or a folder that must hold `<split>` parquet files. */
export interface V3Requirement {
  path: string;
  kind: 'file' | 'dir' | 'parquet-dir';
  /** What the parser reads it for (shown in the message). */
  what: string;
}

const FETCH = 'tte-bench fetch --mmeb-version v3 --to <data root>';

/** The memory type level memory.yaml expects (memory-tasks/<Type>/<Dataset>). */
const MEMORY_TYPES = ['Episodic', 'Dialogue', 'Semantic', 'Procedural'];

/** What a task reads under the V3 root, per parser family; any other family: every path its catalog entry names. */
export function v3Requirements(task: TaskSpec): V3Requirement[] {
  const v3 = task.v3;
  if (!v3) return [];
  const out: V3Requirement[] = [];
  const file = (path: string | undefined, what: string) => path && out.push({ path: trim(path), kind: 'file', what });
  const dir = (path: string | undefined, what: string) => path && out.push({ path: trim(path), kind: 'dir', what });
  if (v3.configs) {
    for (const [config, rel] of Object.entries(v3.configs)) {
      const glob = /^(.*)\/[^/*]+-\*\.parquet$/.exec(rel);
      if (glob) out.push({ path: glob[1], kind: 'parquet-dir', what: `annotations (${config})` });
      else file(rel, `annotations (${config})`);
    }
    dir(v3.imageRoot ?? task.media.imageRoot, 'images');
    dir(v3.frameRoot ?? task.media.frameRoot, 'video frames');
    return out;
  }
  switch (task.parser) {
    case 'gui': {
      const data = v3.dataPath ?? `gui-tasks/${(task.datasetName ?? task.name).replace(/_[^_]*$/, '')}`;
      out.push(
        { path: `${data}/queries`, kind: 'parquet-dir', what: 'queries' },
        { path: `${data}/corpus`, kind: 'parquet-dir', what: 'corpus' },
      );
      dir(v3.imageRoot ?? task.media.imageRoot, 'screenshots');
      return out;
    }
    case 'memory_retrieval':
      dir(v3.dataPath, 'the dataset folder (its subtasks)');
      if (v3.dataPath?.startsWith('memory-tasks/')) file('memory-tasks/task_instructions.json', 'query instructions');
      return out;
    default:
      file(v3.queryFile, 'queries');
      file(v3.candidateFile, 'candidates');
      file(v3.qrelsFile, 'qrels');
      if (!v3.queryFile) dir(v3.dataPath, 'data');
      dir(v3.imageRoot, 'images');
      dir(v3.audioRoot, 'audio');
      dir(v3.frameRoot, 'video frames');
      return out;
  }
}

const trim = (p: string): string => posix.normalize(p).replace(/\/+$/, '');

function isDirAt(abs: string): boolean {
  try {
    return statSync(abs).isDirectory();
  } catch {
    return false;
  }
}

function present(root: string, req: V3Requirement): boolean {
  const abs = join(root, ...req.path.split('/'));
  if (req.kind === 'file') return existsSync(abs) && !isDirAt(abs);
  if (!isDirAt(abs)) return false;
  return req.kind === 'dir' || readdirSync(abs).some((f) => f.endsWith('.parquet'));
}

/** A folder named `name` within `depth` levels under `dir` (root-relative), for the "found at" hints. */
function findFolder(root: string, dir: string, name: string, depth: number, skip: string): string | null {
  const abs = join(root, ...dir.split('/'));
  if (depth < 0 || !isDirAt(abs)) return null;
  const entries = readdirSync(abs).sort();
  for (const e of entries) {
    const rel = `${dir}/${e}`;
    if (e === name && rel !== skip && isDirAt(join(abs, e))) return rel;
  }
  for (const e of entries) {
    const hit = isDirAt(join(abs, e)) ? findFolder(root, `${dir}/${e}`, name, depth - 1, skip) : null;
    if (hit) return hit;
  }
  return null;
}

/** Why `rel` (missing) is missing, as far as the root shows, and what to do. */
export function v3Hint(root: string, rel: string): string {
  const has = (p: string) => existsSync(join(root, ...p.split('/')));
  const [top] = rel.split('/');
  if (top === 'image-query') {
    return (
      'image-query/ is not part of the VLM2Vec/MMEB-V3 download: put a local copy of ziyjiang/MMEB_Test_Instruct (one folder per ' +
      'task with its test-*.parquet) at <data root>/image-query — as dataset_setup_v3.py --image-query-source does, but copied ' +
      'or linked inside the root (tte-bench reads nothing outside it)'
    );
  }
  // memory: the archive unpacks flat (memory-tasks/KnowMeBench), memory.yaml wants memory-tasks/<Type>/KnowMeBench
  const mem = /^memory-tasks\/([^/]+)\/([^/]+)/.exec(rel);
  if (mem && MEMORY_TYPES.includes(mem[1]) && has(`memory-tasks/${mem[2]}`)) {
    return (
      `memory-tasks/${mem[2]} exists without its type level: the memory archive unpacks flat, while memory.yaml reads ` +
      `memory-tasks/${mem[1]}/${mem[2]}; create the level and link it: mkdir -p memory-tasks/${mem[1]} && ln -s ../${mem[2]} memory-tasks/${mem[1]}/${mem[2]}`
    );
  }
  const target = targetOf(rel);
  // a lower-case GUI zip folder that was never renamed
  if (target?.lowercase && rel.startsWith(target.target) && !has(target.target) && has(`${target.into}/${target.lowercase}`)) {
    return `the zip unpacked to ${target.into}/${target.lowercase} (lower case); the code reads ${target.target}: rename it (mv ${target.into}/${target.lowercase} ${target.target})`;
  }
  // the raw download folder (underscore) holds the tree but the hyphenated one is missing
  if (target && !has(target.target)) {
    const rawDir = target.sources[0].split('/')[0];
    const underscore = rawDir.replace(/-/g, '_');
    const unpackedUnder = rel.replace(/^[^/]+/, underscore);
    if (underscore !== top && has(unpackedUnder)) {
      return `found ${unpackedUnder} in the download folder ${underscore}/ (underscore); the code reads ${top}/ (hyphen): unpack with \`${FETCH}\`, or move the tree to ${rel}`;
    }
    const raw = target.sources.find((s) => (target.kind === 'tar-parts' ? hasParts(root, s) : has(s)));
    if (raw)
      return `${target.target} was never unpacked from ${raw}${target.kind === 'tar-parts' ? '*' : ''}: run \`${FETCH}\` (it downloads nothing already present)`;
    return `${target.target} comes from ${target.sources[0]}${target.kind === 'tar-parts' ? '*' : ''} of VLM2Vec/MMEB-V3: run \`${FETCH}\``;
  }
  if (target && !has(join(target.target, DONE_MARKER))) {
    return `${target.target} has no ${DONE_MARKER} marker: its unpacking did not finish; rerun \`${FETCH}\` (a target without its marker is unpacked again)`;
  }
  // the video frame roots carry extra levels (video_qa/video_qa/<T>, video_ret/data/ziyan/video_retrieval/<T>/frames)
  const frames = /^video-tasks\/frames\/(video_[a-z]+)\/(.+)$/.exec(rel);
  if (frames) {
    const segs = frames[2].split('/');
    const name = segs[segs.length - 1] === 'frames' && segs.length > 1 ? segs[segs.length - 2] : segs[segs.length - 1];
    const found = findFolder(root, `video-tasks/frames/${frames[1]}`, name, 4, rel);
    if (found) {
      return `the frames are at ${found}, while video.yaml reads ${rel} (its frame roots carry extra levels): link it there (mkdir -p ${dirname(rel)} && ln -s <absolute path of ${found}> ${rel})`;
    }
  }
  if (target)
    return `${target.target} is unpacked but has no ${rel.slice(target.target.length + 1)}: the archive may be incomplete; delete ${target.target}/${DONE_MARKER} and rerun \`${FETCH}\``;
  return `not in any VLM2Vec/MMEB-V3 archive tte-bench knows of: check the path against the task's YAML entry`;
}

function hasParts(root: string, prefix: string): boolean {
  const dir = join(root, ...dirname(prefix).split('/'));
  return isDirAt(dir) && readdirSync(dir).some((f) => f.startsWith(basename(prefix)));
}

/** A link that leaves the root: tte-bench refuses to read through it. */
function escapesRoot(root: string, rel: string): boolean {
  let p = root;
  for (const seg of rel.split('/')) {
    p = join(p, seg);
    try {
      if (!lstatSync(p).isSymbolicLink()) continue;
      const back = relative(realpathSync(root), realpathSync(p));
      if (back === '..' || back.startsWith(`..${sep}`) || isAbsolute(back)) return true;
    } catch {
      return false;
    }
  }
  return false;
}

/**
 * The layout problems of one task: each missing requirement (an error, with its hint), and a warning for every
 * target it reads from that has no `.done` marker (dataset_setup_v3.py marks each finished target; without one an
 * interrupted unpack may have left it partial).
 */
export function checkV3Layout(root: string, task: TaskSpec): DataProblem[] {
  const problems: DataProblem[] = [];
  const warned = new Set<string>();
  for (const req of v3Requirements(task)) {
    const abs = join(root, ...req.path.split('/'));
    if (escapesRoot(root, req.path)) {
      problems.push({
        task: task.name,
        message: `${req.path} (${req.what}) is a link that leaves the data root`,
        location: { task: task.name, file: abs },
        hint: 'tte-bench reads nothing outside the data root: copy the folder in (dataset_setup_v3.py --image-query-mode copy) or mount it inside',
      });
      continue;
    }
    if (!present(root, req)) {
      const kind = req.kind === 'file' ? 'file' : req.kind === 'dir' ? 'folder' : 'folder of .parquet files';
      problems.push({
        task: task.name,
        message: `missing ${kind} ${req.path} (${req.what})`,
        location: { task: task.name, file: abs },
        hint: v3Hint(root, req.path),
      });
      continue;
    }
    const target = targetOf(req.path);
    if (target && !warned.has(target.target) && !existsSync(join(root, ...target.target.split('/'), DONE_MARKER))) {
      warned.add(target.target);
      problems.push({
        task: task.name,
        message: `${target.target} has no ${DONE_MARKER} marker`,
        location: { task: task.name, file: join(root, ...target.target.split('/')) },
        warning: true,
        hint: `its unpacking may not have finished: rerun \`${FETCH}\` (a target without its marker is unpacked again); a tree laid out by hand can be marked with touch ${target.target}/${DONE_MARKER}`,
      });
    }
  }
  return problems;
}
