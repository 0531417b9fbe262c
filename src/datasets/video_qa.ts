/**
 * Video QA (videomme, nextqa, egoschema, mvbench, activitynetqa): "<|video_pad|> " + the QA prompt
 * (which ends "Question: ", hence the double space) + " " + the question with its options, 8 frames;
 * ranked locally over the options. The five parsers differ in columns, option formatting and how the
 * answer names the gold option; those differences live in the table below.
 */
import type { ParserFamily } from '../catalog/types.js';
import { DataError } from '../errors.js';
import { rawItem, type AdapterContext, type Adapter, type ItemDraft, type QueryDraft } from './context.js';
import type { RowReader } from './fields.js';
import { pyRstrip, pySliceFromFind, pyStrip } from '../util/pytext.js';

/**
 * MVBench's 20 configs, in the order VLM2Vec concatenates them (not the dataset card's order), each with the
 * folder its raw videos lie in under video_root (VLM2Vec mvbench_dataset.py subset_meta). episodic_reasoning
 * is stored as frame folders, which VLM2Vec copies rather than extracts: no raw video.
 */
export const MVBENCH_VIDEO_DIRS: Record<string, string | null> = {
  episodic_reasoning: null,
  action_sequence: 'star/Charades_v1_480',
  action_prediction: 'star/Charades_v1_480',
  action_antonym: 'ssv2_video',
  fine_grained_action: 'Moments_in_Time_Raw/videos',
  unexpected_action: 'FunQA_test/test',
  object_existence: 'clevrer/video_validation',
  object_interaction: 'star/Charades_v1_480',
  object_shuffle: 'perception/videos',
  moving_direction: 'clevrer/video_validation',
  action_localization: 'sta/sta_video',
  scene_transition: 'scene_qa/video',
  action_count: 'perception/videos',
  moving_count: 'clevrer/video_validation',
  moving_attribute: 'clevrer/video_validation',
  state_change: 'perception/videos',
  fine_grained_pose: 'nturgbd',
  character_order: 'perception/videos',
  egocentric_navigation: 'vlnqa',
  counterfactual_inference: 'clevrer/video_validation',
};

/** MVBench's configs in VLM2Vec's order (the keys of MVBENCH_VIDEO_DIRS, which keep their written order). */
export const MVBENCH_SUBSETS = Object.keys(MVBENCH_VIDEO_DIRS);

/** VLM2Vec's qa_template: "\nOptions:\n(A) c0\n…" right-stripped; gold "(X) answer" with X the last equal option. */
export function qaTemplate(question: string, candidates: string[], answer: string): { text: string; options: string[]; label: string } {
  let q = `${question}\nOptions:\n`;
  const options: string[] = [];
  let answerIdx = -1;
  candidates.forEach((c, idx) => {
    const opt = `(${String.fromCharCode(65 + idx)}) ${c}`;
    q += `${opt}\n`;
    options.push(opt);
    if (c === answer) answerIdx = idx;
  });
  return { text: pyRstrip(q), options, label: `(${String.fromCharCode(65 + answerIdx)}) ${answer}` };
}

/** "A. c is cooking." → "c is cooking" (Python: o[o.find('. '):].strip('. ')). */
export const optionText = (o: string): string => pyStrip(pySliceFromFind(o, '. '), '. ');

interface Built {
  question: string;
  /** The raw video under video_root (for opt-in frame extraction), if the frames come from one. */
  video: string[] | undefined;
  /** The raw options qa_template lists (nextqa, mvbench). */
  options: string[];
  frameDir: string[];
  candidates: ItemDraft[];
  gold: string;
}

type Builder = (r: RowReader, ctx: AdapterContext, subset?: string) => Built;

const lettered = (options: string[]): ItemDraft[] => options.map((o) => rawItem(o, optionText(o)));
const plain = (options: string[]): ItemDraft[] => options.map((o) => rawItem(o));

const BUILDERS: Partial<Record<ParserFamily, Builder>> = {
  videomme: (r) => {
    const options = r.strList('options', { nonEmpty: true });
    const answer = r.str('answer');
    const idx = ['A', 'B', 'C', 'D'].indexOf(answer);
    if (idx < 0 || idx >= options.length) throw r.error('answer', `answer '${answer}' names no option`);
    return {
      question: `${r.str('question')}\n${options.join('\n')}`,
      options,
      frameDir: [r.id('videoID')],
      video: [`${r.id('videoID')}.mp4`],
      candidates: lettered(options),
      gold: options[idx],
    };
  },
  egoschema: (r, ctx) => {
    const options = r.strList('option', { nonEmpty: true });
    const idx = r.int('answer');
    if (idx < 0 || idx >= options.length) throw r.error('answer', `answer ${idx} names no option`);
    // VLM2Vec: no space before the first option; Qwen3-VL-Embedding (egoschema_dataset.py:31) puts one there
    const sep = ctx.textRule === 'spaced-options' ? ' ' : '';
    return {
      question: r.str('question') + sep + options.join(' '),
      options,
      frameDir: [r.id('video_idx')],
      video: [`${r.id('video_idx')}.mp4`],
      candidates: lettered(options),
      gold: options[idx],
    };
  },
  nextqa: (r, ctx) => {
    const options = ['a0', 'a1', 'a2', 'a3', 'a4'].map((f) => r.str(f));
    const idx = r.int('answer');
    if (idx < 0 || idx >= options.length) throw r.error('answer', `answer ${idx} names no option`);
    if (ctx.textRule === 'lettered-options') {
      // Qwen3-VL-Embedding nextqa_dataset.py:63, 76, 83: the candidates are qa_template's lettered options and
      // the gold is the one at the answer index (formatted_cands[answer])
      const lettered = qaTemplate('', options, '').options;
      return {
        question: '',
        options,
        frameDir: [r.id('video')],
        video: [`${r.id('video')}.mp4`],
        candidates: plain(lettered),
        gold: lettered[idx],
      };
    }
    // qa_template's option list is computed but NExTQA keeps the raw option strings as candidates.
    return {
      question: '',
      options,
      frameDir: [r.id('video')],
      video: [`${r.id('video')}.mp4`],
      candidates: plain(options),
      gold: options[idx],
    };
  },
  mvbench: (r, _ctx, subset) => {
    const options = r.strList('candidates', { nonEmpty: true });
    const t = qaTemplate('', options, r.str('answer'));
    // VLM2Vec reads f'{video_root}/{subset_meta[subset]["video_path"]}/{video}', not <subset>/<video>
    const videoDir = MVBENCH_VIDEO_DIRS[subset ?? ''];
    return {
      question: '',
      options,
      frameDir: [subset ?? '', r.str('video')],
      video: videoDir ? [videoDir, r.str('video')] : undefined,
      candidates: plain(t.options),
      gold: t.label,
    };
  },
  activitynetqa: (r) => ({
    question: `${r.str('question')}? (A) yes; (B) no.`,
    options: [],
    frameDir: [`v_${r.id('video_name')}`],
    video: [`v_${r.id('video_name')}.mp4`],
    candidates: plain(['yes', 'no']),
    gold: r.str('answer'),
  }),
};

export const videoQaAdapter: Adapter = async (ctx) => {
  const build = BUILDERS[ctx.task.parser];
  if (!build) throw new Error(`video_qa adapter does not handle parser ${ctx.task.parser}`);
  const prompt = ctx.instruction('query');
  const rowsWithSubset: { r: RowReader; subset?: string }[] = [];
  if (ctx.task.parser === 'mvbench' && ctx.version === 'v3') {
    for (const { r, subset } of await mvbenchV3Rows(ctx)) rowsWithSubset.push({ r, subset });
  } else if (ctx.task.parser === 'mvbench') {
    for (const subset of MVBENCH_SUBSETS) {
      for (const r of await ctx.rows({ ...ctx.source, config: subset })) rowsWithSubset.push({ r, subset });
    }
  } else {
    for (const r of await ctx.rows()) rowsWithSubset.push({ r });
  }
  const queries: QueryDraft[] = ctx.sample(rowsWithSubset).map(({ r, subset }, i) => {
    const b = build(r, ctx, subset);
    // nextqa and mvbench format their options with qa_template; the others embed them in the question.
    // VLM2Vec applies qa_template to process_query's whole string; it only right-strips the end, so
    // applying it to the question alone and prefixing "<|video_pad|> {prompt} " (rule video-qa) is the same.
    const text =
      ctx.task.parser === 'nextqa' || ctx.task.parser === 'mvbench' ? qaTemplate(r.str('question'), b.options, '').text : b.question;
    return {
      id: String(i),
      parts: { instruction: prompt, text, rule: { kind: 'video-qa' } as const },
      media: [ctx.frames(ctx.path('frameRoot', b.frameDir, r), { video: b.video }, r)],
      candidates: b.candidates,
      gold: [b.gold],
      relScores: null,
      source: ctx.provenance(r),
    };
  });
  return { queries, corpus: [] };
};

/**
 * MVBench's rows under MMEB-V3, as VLM2Vec 44f991d's load_mvbench_local_dataset (mvbench_dataset.py:208-244)
 * reads `video-tasks/data/mvbench/<subset>.json`: a subset whose file is missing, or cannot be read, is left out
 * with a printed note, and only no rows at all stop the build. Here each left-out subset is a warning (its
 * queries are not scored; `validate` and the run's records name it), never silent.
 */
async function mvbenchV3Rows(ctx: AdapterContext): Promise<{ r: RowReader; subset: string }[]> {
  const out: { r: RowReader; subset: string }[] = [];
  for (const subset of MVBENCH_SUBSETS) {
    const missing = ctx.missingV3File(subset);
    if (missing !== undefined) {
      ctx.warn(`MVBench subset ${subset} left out: its file is missing (VLM2Vec's MMEB-V3 loader skips it)`, { file: missing });
      continue;
    }
    let rows: RowReader[];
    try {
      rows = await ctx.rows({ ...ctx.source, config: subset });
    } catch (err) {
      if (!(err instanceof DataError)) throw err;
      ctx.warn(`MVBench subset ${subset} left out: ${err.detail} (VLM2Vec's MMEB-V3 loader skips a file it cannot load)`, err.location);
      continue;
    }
    for (const r of rows) out.push({ r, subset });
  }
  if (!out.length)
    throw new DataError('no MVBench subset file could be read (video-tasks/data/mvbench/<subset>.json)', { task: ctx.task.name });
  return out;
}
