/**
 * When a task's finished results may be reused. A task's fingerprint covers everything its results depend
 * on — backend config, task spec, benchmark version, text format, eval profile, pred-k, prompts, the data
 * files (size + mtime) and the harness version — so any difference recomputes it and stale results are
 * never silently reused.
 */
import type { BackendConfig } from '../backends/config.js';
import { DEFAULT_EVAL_PROFILE, type EvalProfileName } from '../catalog/profiles.js';
import type { MmebVersion, TaskSpec } from '../catalog/types.js';
import type { TextFormat } from '../items/types.js';
import { PROMPT_VERSION } from '../tte/prompts.js';
import { dataFingerprint, hashJson, resumeGuard, sameGuard } from '../util/fingerprint.js';
import { packageVersion } from '../util/package-root.js';
import type { TaskStatus } from './task-files.js';
import type { AudioPrepOptions } from '../media/audio-prepare.js';

export type DataFingerprint = ReturnType<typeof dataFingerprint>;

/** What a task's results depend on besides its data. */
export interface FingerprintInputs {
  backend: BackendConfig;
  task: TaskSpec;
  version: MmebVersion;
  format: TextFormat;
  profile: EvalProfileName;
  predK: number;
  thinkTargets: boolean;
  /** Audio preparation options other than the collator's defaults (absent or empty: the defaults). */
  audio?: AudioPrepOptions;
  /** This run computes only a query range of the task (see shard.ts). */
  part?: { part: number; parts: number };
}

/** The whole task's fingerprint, and this run's (a part's own, else the same). */
export function taskFingerprints(inputs: FingerprintInputs, data: DataFingerprint): { taskFingerprint: string; fingerprint: string } {
  const taskFingerprint = hashJson({
    backend: inputs.backend,
    task: inputs.task,
    version: inputs.version,
    format: inputs.format,
    // only a non-default profile joins the fingerprint, so runs made before profiles existed are reused
    ...(inputs.profile !== DEFAULT_EVAL_PROFILE ? { profile: inputs.profile } : {}),
    predK: inputs.predK,
    thinkTargets: inputs.thinkTargets,
    // only non-default audio options join, so runs made before the options existed are reused
    ...(inputs.audio && Object.keys(inputs.audio).length ? { audio: inputs.audio } : {}),
    prompts: PROMPT_VERSION,
    data,
    harness: packageVersion(),
  });
  const part = inputs.part;
  return {
    taskFingerprint,
    fingerprint: part ? hashJson({ task: taskFingerprint, part: part.part, parts: part.parts }) : taskFingerprint,
  };
}

/**
 * A finished task is resumed from the data files its status recorded (size + mtime, and the folders and
 * dataset cards that decide which files a split resolves to): no data is read, no media stated. Returns
 * the data fingerprint when that holds, else null — and then the caller loads the EvalSet and decides
 * exactly as before. A query-range part resumes this way when its status is that same part's and holds
 * its own counts (the status's top-level counts are the whole task's).
 */
export function resumeWithoutData(status: TaskStatus | null, inputs: FingerprintInputs, guardRoots: string[]): DataFingerprint | null {
  if (!status?.data_files || !status.resume_guard) return null;
  if (inputs.part && !samePart(status, inputs.part)) return null;
  if (!inputs.part && status.part) return null;
  if (!sameGuard(resumeGuard(status.data_files, guardRoots), status.resume_guard)) return null;
  const data = dataFingerprint(status.data_files);
  return taskFingerprints(inputs, data).fingerprint === status.fingerprint ? data : null;
}

/** The status is the finished part `part` of `parts` and records the part's own counts. */
function samePart(status: TaskStatus, part: { part: number; parts: number }): boolean {
  const p = status.part;
  return (
    p !== undefined && p.index === part.part && p.count === part.parts && p.num_queries !== undefined && p.num_candidates !== undefined
  );
}
