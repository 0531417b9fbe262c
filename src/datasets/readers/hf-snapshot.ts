/**
 * Resolve a (repo, config, split) to parquet files inside a local Hugging Face snapshot
 * (`<hf-root>/<owner>/<name>/`, as `huggingface-cli download --local-dir` leaves it), the way the
 * `datasets` library does: the `configs:` section of the dataset card when present, otherwise the
 * conventional `<config>/<split>-*.parquet` and `data/<split>-*.parquet` files.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DataError } from '../../errors.js';
import type { HfSource } from '../../catalog/types.js';

interface CardConfig {
  config_name?: string;
  default?: boolean;
  data_files?: unknown;
}

/** The `configs:` list of a dataset card's YAML front matter, or null when it has none. */
export function parseCardConfigs(text: string, card = 'README.md'): CardConfig[] | null {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\s*(\r?\n|$)/.exec(text);
  if (!m) return null;
  let meta: unknown;
  try {
    meta = parseYaml(m[1]);
  } catch (err) {
    throw new DataError(`dataset card YAML does not parse: ${(err as Error).message}`, { file: card });
  }
  const configs = (meta as { configs?: unknown } | null)?.configs;
  if (configs === undefined) return null;
  if (!Array.isArray(configs)) throw new DataError("'configs' is not a list", { file: card });
  return configs as CardConfig[];
}

/** Every file below `dir` as a POSIX path relative to it (skipping .git and dot-folders). */
function walk(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p, base));
    else out.push(relative(base, p).split('\\').join('/'));
  }
  return out;
}

/** fsspec-style glob as `datasets` uses for data_files: `*` within a segment, `**` across segments. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        re += '.*';
        i++;
        if (pattern[i + 1] === '/') i++;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function dataFilesForSplit(dataFiles: unknown, split: string, card: string): string[] | null {
  if (dataFiles === undefined || dataFiles === null) return null;
  if (typeof dataFiles === 'string') return split === 'train' ? [dataFiles] : null;
  if (Array.isArray(dataFiles)) {
    if (dataFiles.every((d) => typeof d === 'string')) return split === 'train' ? (dataFiles as string[]) : null;
    for (const entry of dataFiles) {
      const e = entry as { split?: unknown; path?: unknown };
      if (e && e.split === split) {
        if (typeof e.path === 'string') return [e.path];
        if (Array.isArray(e.path) && e.path.every((p) => typeof p === 'string')) return e.path as string[];
        throw new DataError(`data_files entry for split '${split}' has no path`, { file: card });
      }
    }
    return null;
  }
  if (typeof dataFiles === 'object') {
    const v = (dataFiles as Record<string, unknown>)[split];
    if (typeof v === 'string') return [v];
    if (Array.isArray(v)) return v as string[];
  }
  return null;
}

export interface ResolvedSplit {
  snapshot: string;
  files: string[];
  /** How the files were found, for messages and the run manifest. */
  via: string;
}

export function snapshotDir(hfRoot: string, repo: string): string {
  return join(hfRoot, ...repo.split('/'));
}

/** Data file formats the `datasets` library reads and tte-bench reads too. */
export const DATA_EXTENSIONS = ['.parquet', '.jsonl', '.json', '.csv'];
const isData = (f: string) =>
  DATA_EXTENSIONS.some((e) => f.endsWith(e)) && !f.endsWith('dataset_info.json') && !f.endsWith('dataset_dict.json');

/**
 * Which of a snapshot's files (POSIX paths relative to it) hold one config/split, in read order — the pure
 * core of `resolveSplit`, also used by `fetch` on a remote file list.
 */
export function resolveSplitFiles(
  files: string[],
  cardText: string | null,
  source: HfSource,
  where = source.repo,
): { files: string[]; via: string } {
  const all = files.filter(isData);
  const pick = (patterns: string[]): string[] => {
    const res = patterns.map(globToRegExp);
    return all.filter((f) => res.some((r) => r.test(f))).sort();
  };
  const card = `${where}/README.md`;
  const configs = cardText === null ? null : parseCardConfigs(cardText, card);
  const label = `${source.repo}${source.config ? `[${source.config}]` : ''}/${source.split}`;
  if (configs) {
    const wanted = source.config ?? 'default';
    const cfg =
      configs.find((c) => c.config_name === wanted) ??
      (source.config === undefined ? (configs.find((c) => c.default) ?? (configs.length === 1 ? configs[0] : undefined)) : undefined);
    if (!cfg) {
      throw new DataError(`config '${wanted}' not in the dataset card (has: ${configs.map((c) => c.config_name).join(', ')})`, {
        file: card,
      });
    }
    const patterns = dataFilesForSplit(cfg.data_files, source.split, card);
    if (!patterns) throw new DataError(`config '${cfg.config_name}' has no split '${source.split}'`, { file: card });
    const picked = pick(patterns);
    if (!picked.length) throw new DataError(`no data files match ${patterns.join(', ')} for ${label}`, { file: where });
    return { files: picked, via: `card configs (${patterns.join(', ')})` };
  }
  const conventions = source.config
    ? [`${source.config}/${source.split}-*`, `${source.config}/${source.split}/*`]
    : [`data/${source.split}-*`, `data/${source.split}/*`, `${source.split}-*`];
  for (const pattern of conventions) {
    const picked = pick([pattern]);
    if (picked.length) return { files: picked, via: pattern };
  }
  throw new DataError(`no data files for ${label} (looked for ${conventions.join(', ')})`, { file: where });
}

/** The data files of one config/split, absolute, in the order they are read (file-name order). */
export function resolveSplit(hfRoot: string, source: HfSource): ResolvedSplit {
  const snapshot = snapshotDir(hfRoot, source.repo);
  if (!existsSync(snapshot)) {
    throw new DataError(
      `Hugging Face snapshot of ${source.repo} not found (download it with: huggingface-cli download ${source.repo} --repo-type dataset --local-dir ${snapshot}, or tte-bench fetch)`,
      { file: snapshot },
    );
  }
  const card = join(snapshot, 'README.md');
  const r = resolveSplitFiles(walk(snapshot), existsSync(card) ? readFileSync(card, 'utf8') : null, source, snapshot);
  return { snapshot, files: r.files.map((f) => join(snapshot, f)), via: r.via };
}
