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

function readCardConfigs(snapshot: string): CardConfig[] | null {
  const card = join(snapshot, 'README.md');
  if (!existsSync(card)) return null;
  const text = readFileSync(card, 'utf8');
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

/** The parquet files of one config/split, absolute, in the order they are read (file-name order). */
export function resolveSplit(hfRoot: string, source: HfSource): ResolvedSplit {
  const snapshot = snapshotDir(hfRoot, source.repo);
  if (!existsSync(snapshot)) {
    throw new DataError(
      `Hugging Face snapshot of ${source.repo} not found (download it with: huggingface-cli download ${source.repo} --repo-type dataset --local-dir ${snapshot})`,
      { file: snapshot },
    );
  }
  const all = walk(snapshot).filter((f) => f.endsWith('.parquet'));
  const pick = (patterns: string[]): string[] => {
    const res = patterns.map(globToRegExp);
    return all.filter((f) => res.some((r) => r.test(f))).sort();
  };
  const configs = readCardConfigs(snapshot);
  const card = join(snapshot, 'README.md');
  const label = `${source.repo}${source.config ? `[${source.config}]` : ''}/${source.split}`;
  if (configs) {
    const wanted = source.config ?? 'default';
    const cfg =
      configs.find((c) => c.config_name === wanted) ??
      (source.config === undefined ? (configs.find((c) => c.default) ?? (configs.length === 1 ? configs[0] : undefined)) : undefined);
    if (!cfg) {
      throw new DataError(
        `config '${wanted}' not in the dataset card (has: ${configs.map((c) => c.config_name).join(', ')})`,
        { file: card },
      );
    }
    const patterns = dataFilesForSplit(cfg.data_files, source.split, card);
    if (!patterns) throw new DataError(`config '${cfg.config_name}' has no split '${source.split}'`, { file: card });
    const files = pick(patterns);
    if (!files.length) throw new DataError(`no parquet files match ${patterns.join(', ')} for ${label}`, { file: snapshot });
    return { snapshot, files: files.map((f) => join(snapshot, f)), via: `card configs (${patterns.join(', ')})` };
  }
  const conventions = source.config
    ? [`${source.config}/${source.split}-*.parquet`, `${source.config}/${source.split}/*.parquet`]
    : [`data/${source.split}-*.parquet`, `data/${source.split}/*.parquet`, `${source.split}-*.parquet`];
  for (const pattern of conventions) {
    const files = pick([pattern]);
    if (files.length) return { snapshot, files: files.map((f) => join(snapshot, f)), via: pattern };
  }
  throw new DataError(`no parquet files for ${label} (looked for ${conventions.join(', ')})`, { file: snapshot });
}
