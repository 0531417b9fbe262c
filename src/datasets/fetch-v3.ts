/**
 * `fetch --mmeb-version v3`: download the VLM2Vec/MMEB-V3 dataset's archives and unpack them into the folders the
 * evaluation code reads, as VLM2Vec's experiments/public/data/dataset_setup_v3.py (44f991d) does after a Hub
 * download. Resumable at both steps: a download continues from its `.incomplete` file (HTTP Range) and a finished
 * file of the listed size is kept; a target with its `.done` marker is skipped, one without it is removed and
 * unpacked again. Each archive is checked before anything is written (size and sha256 against the Hub's listing,
 * gzip CRC, tar header checksums and truncation, zip CRC-32, every member path inside the destination).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync, cpSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { downloadFile, listFiles } from '@huggingface/hub';
import { ConfigError, DataError } from '../errors.js';
import { checkTar, extractTar, firstTarMember } from './readers/tar.js';
import { checkZip, extractZip } from './readers/zip.js';
import { AUDIO_RAW, AUDIO_TARGET, DONE_MARKER, OMNISET_READY, V3_TARGETS, type V3Target } from './v3-archives.js';

export const MMEB_V3_REPO = 'VLM2Vec/MMEB-V3';
export const V3_GROUPS = ['image', 'video', 'visdoc', 'audio', 'text', 'tool', 'gui', 'memory', 'omniset'] as const;
export type V3Group = (typeof V3_GROUPS)[number];

export interface FetchV3Options {
  to: string;
  /** Default: every group (the whole dataset). */
  groups?: V3Group[];
  hubUrl?: string;
  accessToken?: string;
  repo?: string;
  log?: (line: string) => void;
}

export interface FetchV3Result {
  downloaded: string[];
  kept: string[];
  /** Targets unpacked this time, root-relative. */
  unpacked: string[];
  /** Targets already marked done. */
  skipped: string[];
}

interface HubFile {
  path: string;
  size: number;
  sha256?: string;
}

const abs = (root: string, rel: string): string => join(root, ...rel.split('/').filter((s) => s && s !== '.'));

/** Raw files a target is made from, as listed on the Hub (the first source with files wins, as the script's fallbacks). */
function rawFilesOf(t: V3Target, files: HubFile[]): HubFile[] {
  for (const s of t.sources) {
    const hit =
      t.kind === 'tar-parts'
        ? files.filter((f) => f.path.startsWith(s))
        : t.kind === 'copy'
          ? files.filter((f) => f.path.startsWith(`${s}/`))
          : files.filter((f) => f.path === s);
    if (hit.length) return hit.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
  return [];
}

async function sha256Of(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Size (and sha256 when the Hub lists one) of a local file against the listing. */
async function verify(root: string, f: HubFile): Promise<void> {
  const p = abs(root, f.path);
  const size = statSync(p).size;
  if (size !== f.size) throw new DataError(`${f.path} has ${size} bytes, the Hub lists ${f.size}`, { file: p });
  if (f.sha256) {
    const got = await sha256Of(p);
    if (got !== f.sha256) throw new DataError(`${f.path}: sha256 ${got} differs from the Hub's ${f.sha256}`, { file: p });
  }
}

export async function fetchMmebV3(opts: FetchV3Options): Promise<FetchV3Result> {
  const log = opts.log ?? (() => {});
  const repoName = opts.repo ?? MMEB_V3_REPO;
  const groups = new Set<V3Group>(opts.groups?.length ? opts.groups : V3_GROUPS);
  for (const g of groups) if (!V3_GROUPS.includes(g)) throw new ConfigError(`unknown group '${g}' (one of ${V3_GROUPS.join(', ')})`);
  const root = opts.to;
  mkdirSync(root, { recursive: true });
  const repo = { type: 'dataset' as const, name: repoName };
  const common = { repo, hubUrl: opts.hubUrl, accessToken: opts.accessToken };
  const listed: HubFile[] = [];
  try {
    for await (const f of listFiles({ ...common, recursive: true }))
      if (f.type === 'file') listed.push({ path: f.path, size: f.lfs?.size ?? f.size, sha256: f.lfs?.oid });
  } catch (err) {
    throw new DataError(`cannot list ${repoName} on the Hub: ${(err as Error).message}`);
  }
  const result: FetchV3Result = { downloaded: [], kept: [], unpacked: [], skipped: [] };
  const isDone = (target: string) => existsSync(join(abs(root, target), DONE_MARKER));

  const download = async (f: HubFile): Promise<void> => {
    const dest = abs(root, f.path);
    if (existsSync(dest) && statSync(dest).size === f.size) {
      result.kept.push(f.path);
      return;
    }
    mkdirSync(dirname(dest), { recursive: true });
    const part = `${dest}.incomplete`;
    const have = existsSync(part) ? statSync(part).size : 0;
    const blob = await downloadFile({ ...common, path: f.path });
    if (!blob) throw new DataError(`${repoName}: ${f.path} not found on the Hub`);
    const from = have > 0 && have < f.size ? have : 0;
    if (from === 0) rmSync(part, { force: true });
    const out = createWriteStream(part, { flags: from ? 'a' : 'w' });
    try {
      for await (const chunk of blob.slice(from).stream() as unknown as AsyncIterable<Uint8Array>)
        if (!out.write(chunk)) await once(out, 'drain');
    } finally {
      out.end();
      await once(out, 'close');
    }
    if (from) log(`${f.path}: resumed at byte ${from}`);
    renameSync(part, dest);
    try {
      await verify(root, f);
    } catch (err) {
      rmSync(dest, { force: true });
      throw err;
    }
    result.downloaded.push(f.path);
  };

  /** Remove a partial target, unpack, require the target, mark it done (extract_if_missing & co). */
  const unpack = async (t: { target: string; into: string }, raws: HubFile[], how: 'tar' | 'zip', lowercase?: string) => {
    const target = abs(root, t.target);
    if (existsSync(target)) {
      log(`[clean partial] ${t.target}`);
      rmSync(target, { recursive: true, force: true });
    }
    const lower = lowercase ? join(abs(root, t.into), lowercase) : null;
    if (lower && existsSync(lower)) rmSync(lower, { recursive: true, force: true });
    for (const r of raws) await verify(root, r);
    const files = raws.map((r) => abs(root, r.path));
    if (how === 'tar') {
      await checkTar(files);
      log(`[extract] ${raws.map((r) => r.path).join(' + ')} -> ${t.into}`);
      await extractTar(files, abs(root, t.into));
    } else if (how === 'zip') {
      await checkZip(files[0]);
      log(`[extract] ${raws[0].path} -> ${t.into}`);
      await extractZip(files[0], abs(root, t.into));
      if (lower && existsSync(lower) && !existsSync(target)) renameSync(lower, target);
    }
    if (!existsSync(target))
      throw new DataError(`expected ${t.target} after unpacking ${raws.map((r) => r.path).join(', ')}, but it is not there`);
    if (t.target === 'omniset') {
      const missing = OMNISET_READY.filter((p) => !existsSync(join(target, p)));
      if (missing.length) throw new DataError(`OmniSET layout incomplete after unpacking: missing ${missing.join(', ')}`, { file: target });
    }
    writeFileSync(join(target, DONE_MARKER), '');
    result.unpacked.push(t.target);
  };

  for (const t of V3_TARGETS) {
    if (!groups.has(t.group)) continue;
    if (isDone(t.target)) {
      log(`[skip] ${t.target}`);
      result.skipped.push(t.target);
      continue;
    }
    const raws = rawFilesOf(t, listed);
    if (!raws.length) {
      // as the script: an existing target without its archive is taken as done
      if (existsSync(abs(root, t.target))) {
        log(`[skip existing] ${t.target} (no archive on the Hub)`);
        writeFileSync(join(abs(root, t.target), DONE_MARKER), '');
        result.skipped.push(t.target);
        continue;
      }
      throw new DataError(`${repoName} has no ${t.sources[0]}${t.kind === 'tar-parts' ? '*' : ''} for ${t.target}`);
    }
    for (const r of raws) await download(r);
    if (t.kind === 'copy') {
      const target = abs(root, t.target);
      if (existsSync(target)) rmSync(target, { recursive: true, force: true });
      for (const r of raws) await verify(root, r);
      log(`[copy] ${t.sources[0]} -> ${t.target}`);
      cpSync(abs(root, t.sources[0]), target, { recursive: true });
      writeFileSync(join(target, DONE_MARKER), '');
      result.unpacked.push(t.target);
    } else {
      await unpack(t, raws, t.kind === 'zip' ? 'zip' : 'tar', t.lowercase);
    }
  }

  if (groups.has('audio')) {
    // each audio_tasks/*.tar becomes audio-tasks/<its first member's top folder> (prepare_audio_tasks)
    const tars = listed.filter((f) => dirname(f.path) === AUDIO_RAW && f.path.endsWith('.tar')).sort((a, b) => (a.path < b.path ? -1 : 1));
    mkdirSync(abs(root, AUDIO_TARGET), { recursive: true });
    for (const f of tars) {
      await download(f);
      const top = (await firstTarMember(abs(root, f.path))).split('/')[0];
      if (!top) throw new DataError(`${f.path} is empty`, { file: abs(root, f.path) });
      const target = `${AUDIO_TARGET}/${top}`;
      if (isDone(target)) {
        log(`[skip] ${target}`);
        result.skipped.push(target);
        continue;
      }
      await unpack({ target, into: AUDIO_TARGET }, [f], 'tar');
    }
  }
  log(
    `${repoName}: ${result.downloaded.length} file(s) downloaded, ${result.kept.length} already present; ` +
      `${result.unpacked.length} folder(s) unpacked, ${result.skipped.length} already done`,
  );
  if (!existsSync(abs(root, 'image-query')) && groups.has('image')) {
    log(
      'image-query/ is not part of the download: put a local copy of ziyjiang/MMEB_Test_Instruct at <root>/image-query (see docs/data.md)',
    );
  }
  return result;
}
