/**
 * `fetch`: download the Hugging Face annotation snapshots a set of tasks needs into
 * <to>/hf/<owner>/<name>/ — the layout `huggingface-cli download --local-dir` leaves — with @huggingface/hub,
 * for machines that do have network. Only the files of the configs and splits the tasks read are fetched
 * (plus the dataset card), resolved exactly as loading resolves them. Existing files of the right size are
 * kept, so an interrupted fetch resumes. Media archives (TIGER-Lab/MMEB-V2) are not fetched: see docs/data.md.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { downloadFile, listFiles } from '@huggingface/hub';
import { ConfigError, DataError } from '../errors.js';
import type { HfSource, MmebVersion, TaskSpec } from '../catalog/types.js';
import { hfSourceFor } from '../catalog/types.js';
import { writeFileAtomic } from '../util/json.js';
import { MVBENCH_SUBSETS } from './video_qa.js';
import { resolveSplitFiles } from './readers/hf-snapshot.js';

export interface FetchOptions {
  to: string;
  version: MmebVersion;
  /** Hub endpoint (default https://huggingface.co; tests point it at 127.0.0.1). */
  hubUrl?: string;
  accessToken?: string;
  log?: (line: string) => void;
}

/** Every (repo, config, split) a task reads. */
export function sourcesOf(task: TaskSpec, version: MmebVersion): HfSource[] {
  const src = hfSourceFor(task, version);
  if (task.parser === 'vidore' || task.parser === 'visrag') return ['queries', 'corpus', 'qrels'].map((config) => ({ ...src, config }));
  if (task.parser === 'mvbench') return MVBENCH_SUBSETS.map((config) => ({ ...src, config }));
  return [src];
}

export interface FetchResult {
  repo: string;
  downloaded: string[];
  kept: string[];
}

export async function fetchTasks(tasks: TaskSpec[], opts: FetchOptions): Promise<FetchResult[]> {
  if (opts.version === 'v3') {
    throw new ConfigError(
      'MMEB-V3 is one dataset of archives, not per-task snapshots: fetch it with fetchMmebV3 (src/datasets/fetch-v3.ts)',
    );
  }
  const log = opts.log ?? (() => {});
  const byRepo = new Map<string, HfSource[]>();
  for (const t of tasks) for (const s of sourcesOf(t, opts.version)) byRepo.set(s.repo, [...(byRepo.get(s.repo) ?? []), s]);
  const results: FetchResult[] = [];
  for (const [repo, sources] of byRepo) {
    const common = { repo: { type: 'dataset' as const, name: repo }, hubUrl: opts.hubUrl, accessToken: opts.accessToken };
    const entries: { path: string; size: number }[] = [];
    try {
      for await (const f of listFiles({ ...common, recursive: true })) if (f.type === 'file') entries.push({ path: f.path, size: f.size });
    } catch (err) {
      throw new DataError(`cannot list ${repo} on the Hub: ${(err as Error).message}`);
    }
    const dest = join(opts.to, 'hf', ...repo.split('/'));
    const get = async (path: string): Promise<Uint8Array> => {
      const blob = await downloadFile({ ...common, path });
      if (!blob) throw new DataError(`${repo}: ${path} not found on the Hub`);
      return new Uint8Array(await blob.arrayBuffer());
    };
    const hasCard = entries.some((e) => e.path === 'README.md');
    const card = hasCard ? new TextDecoder().decode(await get('README.md')) : null;
    const wanted = new Set<string>(hasCard ? ['README.md'] : []);
    for (const s of sources)
      for (const f of resolveSplitFiles(
        entries.map((e) => e.path),
        card,
        s,
        repo,
      ).files)
        wanted.add(f);
    const result: FetchResult = { repo, downloaded: [], kept: [] };
    for (const path of [...wanted].sort()) {
      const size = entries.find((e) => e.path === path)?.size;
      const target = join(dest, ...path.split('/'));
      if (path !== 'README.md' && existsSync(target) && statSync(target).size === size) {
        result.kept.push(path);
        continue;
      }
      const data = path === 'README.md' && card !== null ? new TextEncoder().encode(card) : await get(path);
      if (size !== undefined && data.byteLength !== size)
        throw new DataError(`${repo}: ${path} arrived with ${data.byteLength} bytes, expected ${size}`);
      writeFileAtomic(target, data);
      result.downloaded.push(path);
    }
    log(`${repo}: ${result.downloaded.length} file(s) downloaded, ${result.kept.length} already present`);
    results.push(result);
  }
  return results;
}
