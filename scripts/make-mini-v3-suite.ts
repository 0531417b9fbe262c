/**
 * Generates the mini-v3 suite: a small, deterministic MMEB-V3 data root in the layout VLM2Vec's
 * experiments/public/data/dataset_setup_v3.py leaves (`*-tasks/` folders, `.done` markers on every target it
 * materialises), with a few items per new parser family and three MMEB-V2 tasks read from V3's own folders.
 * Texts share words with their gold documents and screenshots/product photos are coloured scenes whose colours the
 * texts name, so the weight-free builtin backend finds something.
 *
 *   node dist/scripts/make-mini-v3-suite.js [OUT_DIR]
 *
 * OUT_DIR defaults to tasks/mini-v3 (suite.json + data/). The output is committed; rerunning rewrites it
 * identically. Each family is one entry of FAMILIES: adding a family (the audio ones) is adding an entry.
 */
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PACKAGE_ROOT } from '../src/util/package-root.js';
import { readRows } from '../src/datasets/readers/tabular.js';
import { writeFileAtomic } from '../src/util/json.js';
import { Writer, scene } from './make-mini-suite.js';
import type { ColumnSpec } from './lib/hf-parquet.js';
import { encodePcm16Wav } from '../src/media/audio-encode.js';
import sharp from 'sharp';

/** One parser family's part of the suite: the tasks it adds and the files it writes under the data root. */
export interface MiniV3Family {
  family: string;
  tasks: string[];
  /** Folders dataset_setup_v3.py marks done once it has materialised them (root-relative). */
  done: string[];
  write(w: Writer): Promise<void>;
}

const str = (...names: string[]): ColumnSpec[] => names.map((name) => ({ name, type: 'string' }));
const jsonl = (rows: Record<string, unknown>[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

/** The mini (V2) suite's generated data, re-laid out as the MMEB-V3 archives hold the same tasks. */
const MINI = join(PACKAGE_ROOT, 'tasks/mini/data');

function copyTree(w: Writer, from: string, to: string): void {
  cpSync(join(MINI, from), join(w.root, to), { recursive: true });
}

// --- complex_text_retrieve: one BRIGHT task (gold_ids, no qrels file), one FollowIR, one NanoBEIR (parquet) ---
const text: MiniV3Family = {
  family: 'complex_text_retrieve',
  tasks: ['pony', 'news21-instructions', 'NanoArguAna'],
  done: ['text-tasks'],
  async write(w) {
    // BRIGHT: examples/<t>-00000-of-00001.parquet + documents/<t>-...; gold from gold_ids (VLM2Vec searches for a qrels file first and finds none).
    const bright = [
      ['How do I read a whole file into a String in Pony?', ['pony/files.md']],
      ['Which Pony reference capability lets an actor share immutable data?', ['pony/capabilities.md']],
      ['How do I spawn an actor and send it a behaviour message in Pony?', ['pony/actors.md']],
    ] as const;
    w.parquet(
      'text-tasks/BRIGHT/examples/pony-00000-of-00001.parquet',
      [
        ...str('query', 'reasoning', 'id'),
        { name: 'excluded_ids', type: 'string[]' },
        { name: 'gold_ids_long', type: 'string[]' },
        { name: 'gold_ids', type: 'string[]' },
        ...str('gold_answer'),
      ],
      bright.map(([query, gold], i) => ({
        query,
        reasoning: '',
        id: String(i),
        excluded_ids: [],
        gold_ids_long: [],
        gold_ids: [...gold],
        gold_answer: '',
      })),
    );
    w.parquet('text-tasks/BRIGHT/documents/pony-00000-of-00001.parquet', str('id', 'content'), [
      { id: 'pony/files.md', content: 'Files in Pony: open a File with FilePath and read the whole file into a String.' },
      { id: 'pony/capabilities.md', content: 'Reference capability val: immutable data that any actor can share safely.' },
      { id: 'pony/actors.md', content: 'Actors: spawn an actor with create, then send it a behaviour message asynchronously.' },
      { id: 'pony/strings.md', content: 'String methods: split, trim, upper and lower case.' },
      { id: 'pony/math.md', content: 'Integer arithmetic wraps unless you use the partial operators.' },
    ]);
    // FollowIR: queries.jsonl with instruction_og (prefixed to the query), corpus.jsonl, graded qrels_og/test.jsonl.
    const fq = [
      {
        _id: '801',
        text: 'electric car battery recycling',
        instruction_og: 'Relevant articles describe recycling of lithium battery packs.',
        instruction_changed: 'Relevant articles must name a recycling plant.',
      },
      {
        _id: '802',
        text: 'coral reef bleaching',
        instruction_og: 'Relevant articles report ocean heat and coral bleaching events.',
        instruction_changed: 'Relevant articles must give a bleaching percentage.',
      },
      {
        _id: '803',
        text: 'high-speed rail funding',
        instruction_og: 'Relevant articles discuss public funding of a rail line.',
        instruction_changed: 'Relevant articles must name the rail budget.',
      },
    ];
    w.file('text-tasks/FollowIR/news21-instructions/queries.jsonl', jsonl(fq));
    w.file(
      'text-tasks/FollowIR/news21-instructions/corpus.jsonl',
      jsonl([
        { _id: 'd1', title: 'Battery recycling', text: 'A new plant recycles lithium battery packs from electric car makers.' },
        { _id: 'd2', title: 'Reef report', text: 'Record ocean heat caused coral bleaching across the reef this summer.' },
        { _id: 'd3', title: 'Rail line', text: 'Lawmakers approved public funding for the high-speed rail line.' },
        { _id: 'd4', title: 'Car sales', text: 'Electric car sales rose in the spring.' },
        { _id: 'd5', title: 'Weather', text: 'A mild winter is expected in the north.' },
      ]),
    );
    const qrels = [
      { 'query-id': '801', 'corpus-id': 'd1', score: 2 },
      { 'query-id': '801', 'corpus-id': 'd4', score: 1 },
      { 'query-id': '802', 'corpus-id': 'd2', score: 2 },
      { 'query-id': '803', 'corpus-id': 'd3', score: 2 },
    ];
    w.file('text-tasks/FollowIR/news21-instructions/qrels_og/test.jsonl', jsonl(qrels));
    w.file('text-tasks/FollowIR/news21-instructions/qrels_changed/test.jsonl', jsonl(qrels.filter((q) => q['corpus-id'] !== 'd4')));
    // NanoBEIR: queries/ corpus/ qrels/ train-00000-of-00001.parquet.
    const nano = 'text-tasks/NanoBEIR/NanoArguAna';
    w.parquet(`${nano}/queries/train-00000-of-00001.parquet`, str('_id', 'text'), [
      { _id: 'q-zoo', text: 'Zoos protect endangered species through breeding programmes.' },
      { _id: 'q-tax', text: 'A sugar tax reduces obesity in children.' },
      { _id: 'q-uni', text: 'School uniforms improve discipline in classrooms.' },
    ]);
    w.parquet(`${nano}/corpus/train-00000-of-00001.parquet`, str('_id', 'title', 'text'), [
      { _id: 'c-zoo', title: 'zoos', text: 'Breeding programmes in zoos keep endangered species from extinction.' },
      { _id: 'c-tax', title: 'sugar tax', text: 'Evidence shows a sugar tax cuts child obesity rates.' },
      { _id: 'c-uni', title: 'uniforms', text: 'Uniforms do not change classroom discipline, studies find.' },
      { _id: 'c-gun', title: 'guns', text: 'Gun control laws vary between states.' },
    ]);
    w.parquet(`${nano}/qrels/train-00000-of-00001.parquet`, str('query-id', 'corpus-id'), [
      { 'query-id': 'q-zoo', 'corpus-id': 'c-zoo' },
      { 'query-id': 'q-tax', 'corpus-id': 'c-tax' },
      { 'query-id': 'q-uni', 'corpus-id': 'c-uni' },
    ]);
  },
};

// --- toolde: two web tasks sharing the web category's pool ---
const tool: MiniV3Family = {
  family: 'toolde',
  tasks: ['apibank', 'toolace'],
  done: ['tool-tasks'],
  async write(w) {
    const doc = (name: string, description: string) => JSON.stringify({ name, description, parameters: { type: 'object' } });
    w.parquet('tool-tasks/ToolDe-Candidates/web/tools-00000-of-00001.parquet', str('id', 'documentation'), [
      { id: 'weather_forecast', documentation: doc('weather_forecast', 'Get the weather forecast for a city.') },
      { id: 'book_flight', documentation: doc('book_flight', 'Book a flight ticket between two airports.') },
      { id: 'translate_text', documentation: doc('translate_text', 'Translate text into another language.') },
      { id: 'stock_price', documentation: doc('stock_price', 'Look up the current stock price of a company.') },
      { id: 'send_email', documentation: doc('send_email', 'Send an email message to a contact.') },
      { id: 'empty_tool', documentation: '' },
    ]);
    const cols = str('id', 'query', 'instruction', 'labels', 'category');
    const inst = 'Given a user request, retrieve the tool that fulfils it.';
    const q = (task: string, i: number, query: string, gold: string) => ({
      id: `${task}_query_${i}`,
      query,
      instruction: inst,
      labels: JSON.stringify([{ id: gold, relevance: 1 }]),
      category: task,
    });
    w.parquet('tool-tasks/ToolDe-Queries/web/apibank/queries-00000-of-00001.parquet', cols, [
      q('apibank', 0, 'What is the weather forecast for Paris tomorrow?', 'weather_forecast'),
      q('apibank', 1, 'Book me a flight from Boston to Denver.', 'book_flight'),
      q('apibank', 2, 'Send an email to my manager about the meeting.', 'send_email'),
    ]);
    w.parquet('tool-tasks/ToolDe-Queries/web/toolace/queries-00000-of-00001.parquet', cols, [
      q('toolace', 0, 'Translate this sentence into Spanish text.', 'translate_text'),
      q('toolace', 1, 'What is the stock price of the company Acme?', 'stock_price'),
    ]);
  },
};

// --- gui: GUIAct text→screenshot, screenshots under the zip's GUIAct/ root ---
const gui: MiniV3Family = {
  family: 'gui',
  tasks: ['GAE-GUIAct_t2s'],
  done: ['gui-tasks/GAE-GUIAct', 'gui-tasks/GUIAct'],
  async write(w) {
    const screens = [
      ['s1', 'red', 'white'],
      ['s2', 'blue', 'white'],
      ['s3', 'green', 'black'],
      ['s4', 'yellow', 'black'],
      ['s5', 'purple', 'white'],
    ] as const;
    for (const [i, [id, main, accent]] of screens.entries())
      w.file(`gui-tasks/GUIAct/web/${id}.png`, await scene(main, accent, 5000 + i, 'png', 24));
    const instruction = '<|image_1|>\nRepresent the given screenshot.';
    w.parquet(
      'gui-tasks/GAE-GUIAct/queries/t2s-00000-of-00001.parquet',
      str('qry_text', 'qry_image_path', 'pos_text', 'pos_image_path', 'pos_id', 'retrieval_type'),
      [
        ['s1', 'Find the screenshot after tapping the red checkout banner'],
        ['s2', 'Find the screenshot after opening the blue settings page'],
        ['s3', 'Find the screenshot after the green confirmation appears'],
      ].map(([id, qry_text]) => ({
        qry_text,
        qry_image_path: '',
        pos_text: instruction,
        pos_image_path: `['./web/${id}.png']`,
        pos_id: `guiact_${id}`,
        retrieval_type: 't2s',
      })),
    );
    w.parquet(
      'gui-tasks/GAE-GUIAct/corpus/t2s-00000-of-00001.parquet',
      str('cand_text', 'cand_image_path', 'cand_id'),
      screens.map(([id]) => ({ cand_text: instruction, cand_image_path: `web/${id}.png`, cand_id: `guiact_${id}` })),
    );
  },
};

// --- memory_retrieval: DeepPlanning with two subtasks (one with its own corpus, one under a shared parent corpus) ---
const memory: MiniV3Family = {
  family: 'memory_retrieval',
  tasks: ['DeepPlanning'],
  done: ['memory-tasks'],
  async write(w) {
    const base = 'memory-tasks/Procedural/DeepPlanning';
    w.file(
      'memory-tasks/task_instructions.json',
      JSON.stringify(
        {
          DeepPlanning: {
            shopping: 'Given a shopping request, retrieve the matching product record.',
            itinerary: 'Given a travel-planning step, retrieve the record that answers it.',
          },
        },
        null,
        2,
      ) + '\n',
    );
    w.file(
      `${base}/shopping/queries.jsonl`,
      jsonl([
        { _id: 's1', query: 'a cheap USB charger for my phone' },
        { _id: 's2', query: 'a waterproof laptop backpack' },
      ]),
    );
    w.file(
      `${base}/shopping/corpus.jsonl`,
      jsonl([
        { _id: 'p1', text: 'USB charger for phone, cheap, ships tomorrow.' },
        { _id: 'p2', text: 'Waterproof backpack that fits a laptop.' },
        { _id: 'p3', text: 'Ceramic coffee mug.' },
      ]),
    );
    w.file(
      `${base}/shopping/qrels.jsonl`,
      jsonl([
        { qid: 's1', doc_id: 'p1', label: 1 },
        { qid: 's2', doc_id: 'p2', label: 1 },
      ]),
    );
    w.file(
      `${base}/Travel/itinerary/queries.jsonl`,
      jsonl([
        { _id: 't1', query: 'which train leaves Rome for Florence in the morning' },
        { _id: 't2', query: 'hotel near the Florence station' },
      ]),
    );
    w.file(`${base}/Travel/itinerary/qrels.tsv`, 't1\tr1\t1\nt2\tr2\t1\n');
    w.file(
      `${base}/Travel/documents.jsonl`,
      jsonl([
        { _id: 'r1', text: 'Morning train: Rome to Florence departs 08:10.' },
        { _id: 'r2', text: 'Hotel two minutes from Florence station.' },
        { _id: 'r3', text: 'Museum tickets sold out on Monday.' },
      ]),
    );
  },
};

// --- mcmr: product search, candidates = text fields + the first photo found under images/ ---
const mcmr: MiniV3Family = {
  family: 'mcmr',
  tasks: ['MCMR'],
  done: ['image-tasks/MCMR'],
  async write(w) {
    const products = [
      ['B0RED', 'Red leather handbag', 'red', 'black'],
      ['B0BLUE', 'Blue denim jacket', 'blue', 'white'],
      ['B0GREEN', 'Green ceramic vase', 'green', 'white'],
      ['B0YELLOW', 'Yellow rain boots', 'yellow', 'gray'],
    ] as const;
    for (const [i, [id, , main, accent]] of products.entries())
      w.file(`image-tasks/MCMR/images/${id}_AC.jpg`, await scene(main, accent, 6000 + i));
    w.file(
      'image-tasks/MCMR/candidates.jsonl',
      jsonl(
        products.map(([id, title], i) => ({
          candidate_id: id,
          title,
          description: `${title} for everyday use.`,
          features: ['durable', 'lightweight'],
          price: 20 + i * 5,
          images: [{ url: `https://example.com/images/I/${id}_AC.jpg?v=1` }],
        })),
      ),
    );
    w.file(
      'image-tasks/MCMR/query.jsonl',
      jsonl([
        { qid: 'm1', query: 'a red handbag made of leather', pos_ids: ['B0RED'] },
        { qid: 'm2', query: 'blue jacket in denim', pos_ids: ['B0BLUE'] },
        { qid: 'm3', query: 'yellow boots for rain', pos_ids: ['B0YELLOW'] },
      ]),
    );
  },
};

// --- V2 tasks under the V3 root: the mini suite's OK-VQA, MSR-VTT and ViDoRe_arxivqa in V3's folders ---
const v2: MiniV3Family = {
  family: 'mmeb-v2 (image, video, visdoc)',
  tasks: ['OK-VQA', 'MSR-VTT', 'ViDoRe_arxivqa'],
  done: ['image-tasks/MMEB', 'video-tasks/data', 'video-tasks/frames/video_ret', 'visdoc-tasks/images', 'visdoc-tasks/data'],
  async write(w) {
    // image: annotations in image-query/<Task>/ (a copy of ziyjiang/MMEB_Test_Instruct), images under image-tasks/MMEB/.
    copyTree(w, 'hf/ziyjiang/MMEB_Test_Instruct/OK-VQA', 'image-query/OK-VQA');
    copyTree(w, 'image-tasks/OK-VQA', 'image-tasks/MMEB/OK-VQA');
    // video: the HF split as video-tasks/data/msr-vtt.jsonl; frames under the YAML's extra data/ziyan/video_retrieval/ levels.
    const rows = await readRows([join(MINI, 'hf/VLM2Vec/MSR-VTT/test_1k/test-00000-of-00001.parquet')]);
    w.file(
      'video-tasks/data/msr-vtt.jsonl',
      jsonl(rows.map((r) => JSON.parse(JSON.stringify(r.row, (_k, v) => (typeof v === 'bigint' ? Number(v) : v))))),
    );
    copyTree(w, 'video-tasks/frames/video_ret/MSR-VTT', 'video-tasks/frames/video_ret/data/ziyan/video_retrieval/MSR-VTT/frames');
    // visdoc: the BEIR parquet folders under visdoc-tasks/data/<repo name>/, pages under visdoc-tasks/images/<Task>/.
    for (const config of ['queries', 'corpus', 'qrels'])
      copyTree(w, `hf/vidore/arxivqa_test_subsampled_beir/${config}`, `visdoc-tasks/data/arxivqa_test_subsampled_beir/${config}`);
    copyTree(w, 'visdoc-tasks/ViDoRe_arxivqa', 'visdoc-tasks/images/ViDoRe_arxivqa');
  },
};

/**
 * A 16 kHz mono 16-bit WAV of `seconds` of a tone at `hz` with a loudness pattern (`pulses` bursts): each class
 * and clip sounds different, so the builtin floor's envelope tells them apart. Deterministic.
 */
function tone(hz: number, pulses: number, seconds = 0.6): Uint8Array {
  const rate = 16000;
  const n = Math.round(seconds * rate);
  const samples = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const envelope = 0.5 + 0.5 * Math.sin(2 * Math.PI * pulses * (t / seconds));
    samples[i] = Math.fround(0.4 * envelope * Math.sin(2 * Math.PI * hz * t));
  }
  return encodePcm16Wav({ samples, sampleRate: rate });
}

const audio: MiniV3Family = {
  family: 'audio (audio_cls, clotho_text_audio, tutsound_audio_gnd)',
  tasks: ['CREMA-D', 'Clotho', 'TUTSound', 'TUTSound(hard)'],
  done: ['audio-tasks/creamD', 'audio-tasks/clotho', 'audio-tasks/tutsound'],
  async write(w) {
    // CREMA-D: creamD/processed.csv (column `file` → creamD/AudioWAV/<file>), classes = the sorted unique emotions
    const crema = [
      ['1001_DFA_ANG_XX.wav', 1001, 'DFA', 'angry', 'XX', 220, 1],
      ['1002_IEO_HAP_HI.wav', 1002, 'IEO', 'happy', 'HI', 440, 3],
      ['1003_TIE_NEU_XX.wav', 1003, 'TIE', 'neutral', 'XX', 660, 5],
      ['1004_WSI_SAD_LO.wav', 1004, 'WSI', 'sad', 'LO', 880, 7],
      ['1005_ITS_ANG_MD.wav', 1005, 'ITS', 'angry', 'MD', 230, 1],
    ] as const;
    w.file(
      'audio-tasks/creamD/processed.csv',
      'file,actor_id,sentence,emotion,intensity\n' + crema.map((r) => r.slice(0, 5).join(',')).join('\n') + '\n',
    );
    for (const [file, , , , , hz, pulses] of crema) w.file(`audio-tasks/creamD/AudioWAV/${file}`, Buffer.from(tone(hz, pulses)));
    // Clotho: clotho/clotho_captions_evaluation.csv (file_name, caption_1..5), clips under clotho/evaluation/
    const clotho = [
      ['low_hum.wav', 'a low steady hum', 'a deep drone fills the room', 180, 1],
      ['bird_chirps.wav', 'a bird chirps again and again', 'high chirping in quick bursts', 1800, 9],
      ['door_knock.wav', 'someone knocks on a door three times', 'three knocks on wood', 400, 3],
    ] as const;
    w.file(
      'audio-tasks/clotho/clotho_captions_evaluation.csv',
      'file_name,caption_1,caption_2,caption_3,caption_4,caption_5\n' +
        clotho.map(([f, a, b]) => [f, a, b, '', '', ''].join(',')).join('\n') +
        '\n',
    );
    for (const [file, , , hz, pulses] of clotho) w.file(`audio-tasks/clotho/evaluation/${file}`, Buffer.from(tone(hz, pulses)));
    // TUTSound: one 5 s street recording (its last 2 s give negative windows), its events in the four street_fold<N>_evaluate.txt files (tab-separated:
    // file, scene, onset, offset, label; paths relative to TUT-sound-events-2017-development/)
    const tut = 'audio-tasks/tutsound/TUT-sound-events-2017-development';
    w.file(`${tut}/audio/street/a001.wav`, Buffer.from(tone(300, 6, 5)));
    const folds = [
      ['audio/street/a001.wav\tstreet\t0.2\t0.9\tcar'],
      ['audio/street/a001.wav\tstreet\t1.4\t2.1\tpeople walking'],
      ['audio/street/a001.wav\tstreet\t2.3\t2.8\tcar'],
      [],
    ];
    folds.forEach((lines, i) => w.file(`${tut}/evaluation_setup/street_fold${i + 1}_evaluate.txt`, lines.map((l) => `${l}\n`).join('')));
  },
};

/**
 * A 0.8 s clip that sounds (a 500 Hz tone) only in quarter `q` of its length and is silent elsewhere: SpeechCOCO's
 * spoken captions. Deterministic.
 */
function burst(q: number, seconds = 0.8): Uint8Array {
  const rate = 16000;
  const n = Math.round(seconds * rate);
  const samples = new Float32Array(n);
  for (let i = Math.floor((q * n) / 4); i < Math.floor(((q + 1) * n) / 4); i++)
    samples[i] = Math.fround(0.5 * Math.sin((2 * Math.PI * 500 * i) / rate));
  return encodePcm16Wav({ samples, sampleRate: rate });
}

/** A 32×32 JPEG, black with a white band over rows of quarter `q` (top to bottom): SpeechCOCO's photos. */
async function band(q: number): Promise<Buffer> {
  const size = 32;
  const px = Buffer.alloc(size * size * 3);
  for (let y = Math.floor((q * size) / 4); y < Math.floor(((q + 1) * size) / 4); y++) px.fill(255, y * size * 3, (y + 1) * size * 3);
  return sharp(px, { raw: { width: size, height: size, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

const struct = (name: string): ColumnSpec => ({ name, type: 'image' });

// --- audio held in parquet: ESC-50 (audio_cls, the clip's bytes in the `audio` struct) and SpeechCOCO (audio_ret_speechcoco) ---
const audioParquet: MiniV3Family = {
  family: 'audio in parquet (audio_cls, audio_ret_speechcoco)',
  tasks: ['ESC-50', 'SpeechCOCO'],
  done: ['audio-tasks/esc50', 'audio-tasks/speechcoco-1k'],
  async write(w) {
    // ESC-50: esc50/data/*.parquet (no top-level parquet), classes = `target` → `category` of the first row carrying it
    const esc = [
      ['1-100038-A-14.wav', 1, 14, 'chirping_birds', 2000, 8],
      ['1-100210-A-36.wav', 1, 36, 'vacuum_cleaner', 150, 1],
      ['1-101296-A-19.wav', 1, 19, 'thunderstorm', 90, 2],
      ['2-102414-A-14.wav', 2, 14, 'chirping_birds', 2200, 9],
    ] as const;
    w.parquet(
      'audio-tasks/esc50/data/train-00000-of-00001.parquet',
      [...str('filename'), { name: 'fold', type: 'int64' }, { name: 'target', type: 'int64' }, ...str('category'), struct('audio')],
      esc.map(([filename, fold, target, category, hz, pulses]) => ({
        filename,
        fold,
        target,
        category,
        audio: { bytes: tone(hz, pulses, 0.4), path: filename },
      })),
    );
    // SpeechCOCO: speechcoco-1k/eval/{query,corpus,qrels}-*.parquet; a query's gold is its image_id (a corpus-id). The
    // builtin floor's audio envelope shares the image thumbnail's slots (span k ↔ pixel k, row by row), so a caption
    // that sounds in quarter q of its length lies nearest the photo with a white band in quarter q of its rows: a
    // link the floor has by construction, not understanding.
    const coco = [
      [400011, 'Phil', 'a man in a red helmet rides a small moped down a dirt road', 0],
      [400035, 'Paul', 'a child with a flowered umbrella pets a shaggy yak', 2],
      [400058, 'Judith', 'two zebras graze beside a wooden fence', 3],
    ] as const;
    const speech = 'audio-tasks/speechcoco-1k/eval';
    w.parquet(
      `${speech}/query-00000-of-00001.parquet`,
      [...str('query-id'), struct('audio'), { name: 'image_id', type: 'int64' }, ...str('text', 'speaker')],
      coco.map(([imageId, speaker, text, q], i) => {
        const id = `${imageId}_88010${i}_${speaker}_Neutral`;
        return { 'query-id': id, audio: { bytes: burst(q), path: `${id}.wav` }, image_id: imageId, text, speaker };
      }),
    );
    const images = [400011, 400022, 400035, 400058];
    w.parquet(
      `${speech}/corpus-00000-of-00001.parquet`,
      [{ name: 'corpus-id', type: 'int64' }, struct('image'), ...str('file_name')],
      await Promise.all(
        images.map(async (id, q) => {
          const name = `COCO_val2014_000000${id}.jpg`;
          return { 'corpus-id': id, image: { bytes: await band(q), path: name }, file_name: name };
        }),
      ),
    );
    w.parquet(
      `${speech}/qrels-00000-of-00001.parquet`,
      [...str('query-id'), { name: 'corpus-id', type: 'int64' }, { name: 'score', type: 'int64' }],
      coco.map(([imageId, speaker], i) => ({ 'query-id': `${imageId}_88010${i}_${speaker}_Neutral`, 'corpus-id': imageId, score: 1 })),
    );
  },
};

// --- more audio: SpeechCommands and UrbanSound8K (audio_cls), SoundDescs (sounddescs_text_audio, text → clip) ---
const audioMore: MiniV3Family = {
  family: 'more audio (audio_cls, sounddescs_text_audio)',
  tasks: ['SpeechCommands', 'UrbanSound8K', 'SoundDescs'],
  done: ['audio-tasks/speechcommand-1k', 'audio-tasks/urbansound8k', 'audio-tasks/sounddescs-1k'],
  async write(w) {
    // SpeechCommands: speechcommand-1k/query_eval.parquet, classes = `label` → `label_name`
    const words = [
      ['yes/0a7c2a8d_nohash_0.wav', 0, 'yes', '0a7c2a8d', 0, 700, 2],
      ['no/0b40aa8e_nohash_0.wav', 1, 'no', '0b40aa8e', 0, 350, 1],
      ['up/0c2ca723_nohash_1.wav', 2, 'up', '0c2ca723', 1, 1200, 3],
    ] as const;
    w.parquet(
      'audio-tasks/speechcommand-1k/query_eval.parquet',
      [
        ...str('file'),
        struct('audio'),
        { name: 'label', type: 'int64' },
        ...str('label_name', 'speaker_id'),
        { name: 'utterance_id', type: 'int64' },
      ],
      words.map(([file, label, label_name, speaker_id, utterance_id, hz, pulses]) => ({
        file,
        audio: { bytes: tone(hz, pulses, 0.3), path: file.slice(file.indexOf('/') + 1) },
        label,
        label_name,
        speaker_id,
        utterance_id,
      })),
    );
    // UrbanSound8K: urbansound8k/csv_files/test.csv, clips audio/fold<fold>/<slice_file_name>, classes = `classID` → `class`
    const urban = [
      ['100032-3-0-0.wav', 100032, 5, 3, 'dog_bark', 600, 4],
      ['100263-2-0-117.wav', 100263, 5, 2, 'children_playing', 1500, 6],
      ['101415-9-0-2.wav', 101415, 7, 9, 'street_music', 800, 2],
    ] as const;
    w.file(
      'audio-tasks/urbansound8k/csv_files/test.csv',
      'slice_file_name,fsID,start,end,salience,fold,classID,class\n' +
        urban.map(([f, fsID, fold, id, name]) => [f, fsID, '0.0', '0.3', 1, fold, id, name].join(',')).join('\n') +
        '\n',
    );
    for (const [f, , fold, , , hz, pulses] of urban)
      w.file(`audio-tasks/urbansound8k/audio/fold${fold}/${f}`, Buffer.from(tone(hz, pulses, 0.3)));
    // SoundDescs: sounddescs-1k/eval/{query,qrels,corpus}-*.parquet; the corpus clips held in the `audio` struct
    // (its path names no file under the root, so the bytes are read), the pool = the gold clips only
    const descs = [
      ['sd-q1', 'nhu05079079', 'Rain falling steadily on a tin roof', 250, 5],
      ['sd-q2', 'nhu05079080', 'A church bell rings twice in the distance', 900, 2],
      ['sd-q3', 'nhu05079081', 'Wind howling through trees at night', 120, 1],
    ] as const;
    const sd = 'audio-tasks/sounddescs-1k/eval';
    w.parquet(
      `${sd}/query-00000-of-00001.parquet`,
      str('query-id', 'text'),
      descs.map(([id, , text]) => ({ 'query-id': id, text })),
    );
    w.parquet(
      `${sd}/qrels-00000-of-00001.parquet`,
      [...str('query-id', 'corpus-id'), { name: 'score', type: 'int64' }],
      descs.map(([q, c]) => ({ 'query-id': q, 'corpus-id': c, score: 1 })),
    );
    w.parquet(
      `${sd}/corpus-00000-of-00001.parquet`,
      [...str('corpus-id'), struct('audio')],
      descs.map(([, c, , hz, pulses]) => ({ 'corpus-id': c, audio: { bytes: tone(hz, pulses, 0.3), path: `${c}.wav` } })),
    );
  },
};

/** In suite order: the V2 groups first, then the new families. Add a family by adding an entry. */
export const FAMILIES: MiniV3Family[] = [v2, mcmr, text, tool, gui, memory, audio, audioParquet, audioMore];

export async function makeMiniV3Suite(outDir: string): Promise<void> {
  const data = join(outDir, 'data');
  rmSync(data, { recursive: true, force: true });
  mkdirSync(data, { recursive: true });
  const w = new Writer(data);
  for (const f of FAMILIES) {
    await f.write(w);
    for (const d of f.done) w.file(`${d}/.done`, '');
  }
  // the raw archive folders dataset_setup_v3.py reads are not part of an unpacked root
  if (readdirSync(data).some((n) => n.endsWith('_tasks'))) throw new Error('mini-v3: a raw *_tasks folder was written');
  const suite = {
    name: 'mini-v3',
    description:
      "A small deterministic MMEB-V3 data root in the layout VLM2Vec's dataset_setup_v3.py leaves: a few items for each new parser family (complex_text_retrieve, toolde, gui, memory_retrieval, mcmr, audio_cls, clotho_text_audio, tutsound_audio_gnd, audio_ret_speechcoco, sounddescs_text_audio) and one MMEB-V2 task per V2 group read from V3's folders. Generated by scripts/make-mini-v3-suite.ts.",
    dataRoot: 'data',
    mmebVersion: 'v3',
    families: Object.fromEntries(FAMILIES.map((f) => [f.family, f.tasks])),
    tasks: FAMILIES.flatMap((f) => f.tasks),
  };
  writeFileAtomic(join(outDir, 'suite.json'), JSON.stringify(suite, null, 2) + '\n');
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(PACKAGE_ROOT, 'dist/scripts/make-mini-v3-suite.js')) {
  const out = resolve(process.argv[2] ?? join(PACKAGE_ROOT, 'tasks/mini-v3'));
  await makeMiniV3Suite(out);
  process.stdout.write(`mini-v3 suite written to ${out}\n`);
}
