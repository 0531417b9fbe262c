/**
 * omniset (OmniSET_t2i … OmniSET_a2i, the unscored any-to-any diagnostic): one MSCOCO item in one modality against
 * the same items in text, image, video and audio, local, as VLM2Vec builds it in src/data/collator/mscoco_cmret.py
 * (Stars1233/VLM2Vec 44f991d; YAML experiments/public/eval/cross_modality.yaml):
 *  - files (:298-355): data_path omniset.jsonl, catalog.jsonl beside it (captions: the first, :285-295); without a
 *    qry_text column the caption comes from the catalog, else the row's objects joined by spaces;
 *  - captions of candidates (:89-90, :101, :375-380): the catalog's, else the rows' qry_text by image id, else the
 *    query row's own caption;
 *  - per row (:96-106): ids = set(hard_negatives + [image_id]); for each id, in that order, one candidate per
 *    cand_mod (T, I, V, A): COCO_val2014_<12-digit id>.txt (text = the caption), .jpg (the image under
 *    image_root), .mp4 (frames of frame_root/<stem>/ sampled to num_frames), .wav (the audio under audio_root);
 *  - candidate texts (:154-239): T the caption; I/V process_input_text("Represent the given text, image, video, or
 *    audio.", image/video token); A f"<|audio_pad|> {that} {''}" — a trailing space, the token written literally;
 *  - queries (:114-130, :164-189): per input_mod and query_mod, text f"Find the {target} that best matches the
 *    given {input}: " + (the caption when the input is text), the item in the input modality; gold = the row's own
 *    item in the target modality; candidates = the row's list.
 * Set order: a CPython set of ints iterates in an order fixed by the ints (util/pyset.ts) — the order VLM2Vec
 * gets whatever PYTHONHASHSEED — and is reproduced exactly; ids that are strings are ordered by a per-process
 * hash seed in Python, so there tte-bench keeps first-occurrence order (a warning says so). Order only changes how
 * ties rank.
 * Missing media: VLM2Vec asserts the image and audio files exist (:203, :211, :225); a candidate video whose frames
 * cannot be made is skipped (:240-248), which misaligns its lists and stops the run at the next assertion — here
 * every missing or empty frame folder is an error naming the item (`extract-frames --max-frames 16` fills them,
 * max_frames_saved = 16 in the YAML).
 */
import { DataError } from '../errors.js';
import type { Adapter, AdapterContext, ItemDraft, QueryDraft } from './context.js';
import type { RowReader } from './fields.js';
import type { MediaRef } from '../items/types.js';
import { pyIntSetOrder } from '../util/pyset.js';
import { pyCellStr } from './audio_common.js';

type Mod = 'T' | 'I' | 'V' | 'A';
const MOD_NAME: Record<Mod, string> = { T: 'text', I: 'image', V: 'video', A: 'audio' };
const MOD_EXT: Record<Mod, string> = { T: 'txt', I: 'jpg', V: 'mp4', A: 'wav' };
export const OMNISET_TARGET_INSTRUCTION = 'Represent the given text, image, video, or audio.';

/** `coco_filename` (:63-64): COCO_val2014_ + str(id) zero-filled to 12. */
export function cocoStem(id: unknown): string {
  const s = pyCellStr(id);
  const sign = s.startsWith('-') || s.startsWith('+') ? s[0] : '';
  return `COCO_val2014_${sign}${s.slice(sign.length).padStart(12 - sign.length, '0')}`;
}

/** `get_instruction` (:73-75). */
export function omnisetInstruction(input: Mod, target: Mod): string {
  return `Find the ${MOD_NAME[target]} that best matches the given ${MOD_NAME[input]}: `;
}

function toInt(v: unknown, r: RowReader, field: string): bigint {
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) return BigInt(v.trim());
  throw r.error(field, `int() of ${JSON.stringify(v ?? null)} fails`);
}

function mods(v: unknown, what: string, task: string): Mod[] {
  if (!Array.isArray(v) || !v.every((m) => ['T', 'I', 'V', 'A'].includes(m)))
    throw new DataError(`catalog v3.${what} must list T/I/V/A`, { task });
  return v as Mod[];
}

/** The candidate ids of a row in the order `list(set(hard_negatives + [image_id]))` iterates them. */
export function omnisetPoolOrder(ids: unknown[]): { ids: unknown[]; exact: boolean } {
  if (ids.every((x) => typeof x === 'number' && Number.isSafeInteger(x))) {
    return { ids: pyIntSetOrder(ids.map((x) => BigInt(x as number))).map(Number), exact: true };
  }
  return { ids: [...new Set(ids)], exact: false };
}

export const omnisetAdapter: Adapter = async (ctx: AdapterContext) => {
  const task = ctx.task.name;
  const v3 = ctx.v3;
  const [inputMods, queryMods, candMods] = [
    mods(v3.inputMod, 'inputMod', task),
    mods(v3.queryMod, 'queryMod', task),
    mods(v3.candMod, 'candMod', task),
  ];
  const dataPath = v3.dataPath;
  if (!dataPath) throw new DataError('catalog gives no OmniSET data_path (v3.dataPath)', { task });
  let file = ctx.root.rel([dataPath], { task });
  if (ctx.root.isDir(file))
    file = ['omniset.jsonl', 'test.jsonl'].map((n) => `${file}/${n}`).find((p) => ctx.root.exists(p)) ?? `${file}/omniset.jsonl`;
  if (!ctx.root.exists(file, { task })) throw new DataError(`OmniSET file ${file} not found`, { task });
  const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '';
  const catalogFile = dir ? `${dir}/catalog.jsonl` : 'catalog.jsonl';
  const rows = await ctx.readFiles([file]);
  const hasQryText = rows.some((r) => r.has('qry_text'));

  // caption_lookup: the catalog's first captions (:285-295), else the rows' own qry_text (:375-380)
  const lookup = new Map<bigint, string>();
  if (ctx.root.exists(catalogFile)) {
    for (const r of await ctx.readFiles([catalogFile])) {
      const caps = r.src.row.captions;
      lookup.set(toInt(r.src.row.image_id, r, 'image_id'), Array.isArray(caps) && caps.length ? pyCellStr(caps[0]) : '');
    }
  }
  if (!hasQryText && !lookup.size)
    throw new DataError(`qry_text is missing in ${file} and the caption file ${catalogFile} was not found`, { task });
  if (!lookup.size && hasQryText) {
    for (const r of rows) {
      const c = r.src.row.qry_text;
      if (c !== null && c !== undefined) lookup.set(toInt(r.src.row.image_id, r, 'image_id'), pyCellStr(c));
    }
  }
  const sampled = ctx.task.numSamples !== undefined ? rows.slice(0, ctx.task.numSamples) : rows;
  const root = (key: 'imageRoot' | 'videoRoot' | 'audioRoot' | 'frameRoot'): string => {
    const v = v3[key];
    if (!v) throw new DataError(`catalog gives no OmniSET ${key} (v3)`, { task });
    return v;
  };
  let inexact = false;
  const queries: QueryDraft[] = [];
  for (const r of sampled) {
    const where = { file: r.src.file, row: r.src.index };
    const imageId = r.src.row.image_id;
    const id = toInt(imageId, r, 'image_id');
    // without a qry_text column the caption was attached from the catalog, else from `objects` (:346-351)
    let caption: string;
    if (hasQryText) caption = pyCellStr(r.src.row.qry_text ?? null);
    else {
      caption = lookup.get(id) ?? '';
      if (!caption) {
        const objects = r.src.row.objects;
        caption = Array.isArray(objects) ? objects.map((o) => pyCellStr(o)).join(' ') : '';
      }
    }
    const negatives = r.src.row.hard_negatives;
    if (!Array.isArray(negatives)) throw r.error('hard_negatives', 'hard_negatives is not a list');
    const pool = omnisetPoolOrder([...negatives, imageId]);
    if (!pool.exact) inexact = true;
    const frames = (stem: string): MediaRef =>
      ctx.frames(ctx.root.rel([root('frameRoot'), stem], where), { video: [`${stem}.mp4`] }, r, 'image_id');
    const candidates: ItemDraft[] = [];
    for (const tgt of pool.ids) {
      const stem = cocoStem(tgt);
      const tgtCaption = lookup.get(toInt(tgt, r, 'hard_negatives')) ?? caption;
      for (const m of candMods) {
        const name = `${stem}.${MOD_EXT[m]}`;
        if (m === 'T') candidates.push({ id: name, parts: { instruction: '', text: tgtCaption, rule: { kind: 'raw' } }, media: [] });
        else if (m === 'I')
          candidates.push({
            id: name,
            parts: { instruction: OMNISET_TARGET_INSTRUCTION, text: '', rule: { kind: 'process' } },
            media: [ctx.image(ctx.root.rel([root('imageRoot'), name], where), r, 'hard_negatives')],
          });
        else if (m === 'V')
          candidates.push({
            id: name,
            parts: { instruction: OMNISET_TARGET_INSTRUCTION, text: '', rule: { kind: 'process' } },
            media: [frames(stem)],
          });
        else
          candidates.push({
            id: name,
            parts: { instruction: OMNISET_TARGET_INSTRUCTION, text: '', rule: { kind: 'audio-target' } },
            media: [ctx.audio(ctx.root.rel([root('audioRoot'), name], where), undefined, { ...where, field: 'hard_negatives' })],
          });
      }
    }
    const stem = cocoStem(imageId);
    for (const input of inputMods) {
      for (const target of queryMods) {
        if (input === target) throw new DataError(`input and query modality are both ${input} (VLM2Vec asserts they differ)`, { task });
        const media: MediaRef[] =
          input === 'I'
            ? [ctx.image(ctx.root.rel([root('imageRoot'), `${stem}.jpg`], where), r, 'image_id')]
            : input === 'V'
              ? [frames(stem)]
              : input === 'A'
                ? [ctx.audio(ctx.root.rel([root('audioRoot'), `${stem}.wav`], where), undefined, { ...where, field: 'image_id' })]
                : [];
        queries.push({
          id: String(queries.length),
          parts: { instruction: omnisetInstruction(input, target), text: input === 'T' ? caption : '', rule: { kind: 'concat' } },
          media,
          candidates,
          gold: [`${stem}.${MOD_EXT[target]}`],
          relScores: null,
          source: ctx.provenance(r),
        });
      }
    }
  }
  if (inexact) {
    ctx.warn(
      'some image ids are not integers: Python orders such a set by a per-process hash seed; tte-bench keeps first-occurrence order',
      { file: ctx.root.abs(file) },
    );
  }
  return { queries, corpus: [] };
};
