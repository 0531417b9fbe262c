/**
 * The archives of the VLM2Vec/MMEB-V3 dataset and the folders they become, as VLM2Vec's
 * experiments/public/data/dataset_setup_v3.py (44f991d) materialises them: the download holds `*_tasks/` folders
 * (underscore), the evaluation code reads `*-tasks/` folders (hyphen). `fetch --mmeb-version v3` unpacks by this
 * table; `validate --mmeb-version v3` uses it to say which archive a missing path comes from.
 */

/** How a target is made from the raw download (dataset_setup_v3.py's helpers). */
export type V3TargetKind =
  /** untar the archive into `into`; the target must exist afterwards (extract_if_missing) */
  | 'tar'
  /** the sorted parts of one split archive, concatenated and streamed as one tar into the target (_extract_video_parts) */
  | 'tar-parts'
  /** unzip into `into`, renaming a lower-case top folder to the target (extract_zip_if_missing) */
  | 'zip'
  /** copy a raw folder (copytree_if_missing / materialize_tree_if_missing) */
  | 'copy';

export interface V3Target {
  /** Root-relative folder the evaluation code reads; `.done` inside it marks it finished. */
  target: string;
  kind: V3TargetKind;
  /** Root-relative raw archive(s) or folder, first existing wins (the script's legacy fallbacks second). For tar-parts: the part prefix. */
  sources: string[];
  /** Root-relative folder the archive is unpacked into (the target itself for the video frame archives). */
  into: string;
  /** zip: the lower-case folder some zips extract to. */
  lowercase?: string;
  /** The benchmark group(s) that read it (fetch --group). */
  group: 'image' | 'video' | 'visdoc' | 'audio' | 'text' | 'tool' | 'gui' | 'memory' | 'omniset';
}

/** In the script's order (prepare_image_tasks … prepare_omniset); audio's targets are listed per archive at run time. */
export const V3_TARGETS: V3Target[] = [
  { target: 'image-tasks/MMEB', kind: 'tar', sources: ['image_tasks/mmeb_v1.tar.gz'], into: 'image-tasks', group: 'image' },
  { target: 'image-tasks/MCMR', kind: 'tar', sources: ['image_tasks/MCMR.tar.gz'], into: 'image-tasks', group: 'image' },
  { target: 'gui-tasks/GAE-GUIAct', kind: 'copy', sources: ['gui_tasks/GAE-GUIAct'], into: 'gui-tasks', group: 'gui' },
  { target: 'gui-tasks/GAE-Mind2Web', kind: 'copy', sources: ['gui_tasks/GAE-Mind2Web'], into: 'gui-tasks', group: 'gui' },
  { target: 'gui-tasks/GUIAct', kind: 'zip', sources: ['gui_tasks/GUIAct.zip'], into: 'gui-tasks', lowercase: 'guiact', group: 'gui' },
  {
    target: 'gui-tasks/Mind2Web',
    kind: 'zip',
    sources: ['gui_tasks/Mind2Web.zip'],
    into: 'gui-tasks',
    lowercase: 'mind2web',
    group: 'gui',
  },
  { target: 'memory-tasks', kind: 'tar', sources: ['memory_tasks/memory-tasks.tar'], into: '.', group: 'memory' },
  // The script opens only text_tasks.tar.part-000; the parts are joined in name order here, which is the same
  // archive when there is one part and the whole archive when there are several.
  { target: 'text-tasks', kind: 'tar-parts', sources: ['text_tasks/text_tasks.tar.part-'], into: '.', group: 'text' },
  { target: 'tool-tasks', kind: 'tar', sources: ['tool_tasks/tool_tasks.tar.gz'], into: '.', group: 'tool' },
  {
    target: 'visdoc-tasks/images',
    kind: 'tar',
    sources: ['visdoc_tasks/visdoc-tasks.images.tar.gz', 'visdoc-tasks/visdoc-tasks.images.tar.gz'],
    into: 'visdoc-tasks',
    group: 'visdoc',
  },
  {
    target: 'visdoc-tasks/data',
    kind: 'tar',
    sources: ['visdoc_tasks/visdoc-tasks.data.tar.gz', 'visdoc-tasks/visdoc-tasks.data.tar.gz'],
    into: 'visdoc-tasks',
    group: 'visdoc',
  },
  { target: 'video-tasks/data', kind: 'copy', sources: ['video_tasks/data'], into: 'video-tasks', group: 'video' },
  ...(['video_cls', 'video_ret'] as const).map(
    (t): V3Target => ({
      target: `video-tasks/frames/${t}`,
      kind: 'tar',
      sources: [`video_tasks/frames/${t}.tar.gz`, `video-tasks/frames/${t}.tar.gz`],
      into: `video-tasks/frames/${t}`,
      group: 'video',
    }),
  ),
  ...(['video_mret', 'video_qa'] as const).map(
    (t): V3Target => ({
      target: `video-tasks/frames/${t}`,
      kind: 'tar-parts',
      sources: [`video_tasks/frames/${t}.tar.gz-`, `video-tasks/frames/${t}.tar.gz-`],
      into: `video-tasks/frames/${t}`,
      group: 'video',
    }),
  ),
  { target: 'omniset', kind: 'tar', sources: ['omniset.tar.gz'], into: '.', group: 'omniset' },
];

/** OmniSET counts as unpacked only when all of these exist (_omniset_ready). */
export const OMNISET_READY = ['omniset.jsonl', 'catalog.jsonl', 'val2014', 'videos', 'audios', 'frames_omni'];

/** Audio archives: each `audio_tasks/*.tar` becomes `audio-tasks/<its first member's top folder>`. */
export const AUDIO_RAW = 'audio_tasks';
export const AUDIO_TARGET = 'audio-tasks';

export const DONE_MARKER = '.done';

/** The target a root-relative path lies in (longest prefix), if any. */
export function targetOf(rel: string): V3Target | undefined {
  return V3_TARGETS.filter((t) => rel === t.target || rel.startsWith(`${t.target}/`)).sort((a, b) => b.target.length - a.target.length)[0];
}
