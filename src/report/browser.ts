/**
 * The query browser of the run report and the ablation report: per task, every query (paged, searchable by id
 * and text, filterable to failures or flips) with its media as thumbnails, its text, each run's reasoning trace
 * and top candidates (gold marked, rank of the gold shown).
 *
 * It opens from disk with no server: each task's data is a small script `browser/<n>.js` beside the page,
 * loaded when the task is picked (browsers refuse fetch() from file:// but load scripts), and thumbnails are
 * JPEGs in `thumbs/`, made once. Dataset and model text reaches the page only as JSON with <, > and &
 * escaped, and is put into the document with textContent, never as markup.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { type DataRoot, runDataRoot } from '../items/data-root.js';
import type { MediaRef } from '../items/types.js';
import { readPredictionFile } from '../metrics/pred-file.js';
import { perQueryMetrics } from '../metrics/ranking.js';
import { forEachPool } from '../util/pool.js';
import { readJsonFile, writeFileAtomic } from '../util/json.js';
import { occurrenceKeys, tracesByKey } from './compare.js';
import { imageThumb, readItemsFile, thumbName, THUMB_SIZE, type ItemsFile } from './items.js';

/** Candidates shown per query and run. */
export const BROWSER_TOP = 5;
/** Frames in a video's thumbnail strip. */
const STRIP_FRAMES = 8;

export interface BrowserRun {
  dir: string;
  label: string;
  name: string;
}

export interface BrowserIndex {
  tasks: { task: string; file: string; queries: number }[];
  runs: { label: string; name: string }[];
  thumbs: { made: number; missing: number };
}

interface Thumb {
  kind: 'image' | 'frames';
  /** Relative URL of the JPEG, or null when the media could not be read. */
  src: string | null;
  frames?: number;
  path: string;
}

/** JSON that is safe inside a script: no character can end the script or start markup. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

class Thumbnailer {
  made = 0;
  missing = 0;
  private readonly jobs = new Map<string, { m: MediaRef; runDir: string }>();
  private readonly roots = new Map<string, DataRoot | null>();

  constructor(
    private readonly outDir: string,
    private readonly dataRoot?: string,
  ) {}

  private root(runDir: string): DataRoot | null {
    // a data root moved or absent: the browser shows the media as unavailable
    if (!this.roots.has(runDir)) this.roots.set(runDir, runDataRoot(runDir, this.dataRoot));
    return this.roots.get(runDir) as DataRoot | null;
  }

  ref(m: Exclude<MediaRef, { kind: 'audio' }>, runDir: string): Thumb {
    const name = thumbName(m);
    this.jobs.set(name, { m, runDir });
    return {
      kind: m.kind,
      src: `thumbs/${name}`,
      frames: m.kind === 'frames' ? m.paths.length : undefined,
      path: m.kind === 'image' ? m.path : (m.paths[0] ?? ''),
    };
  }

  private bytes(path: string, runDir: string, m: MediaRef): Buffer | null {
    const root = this.root(runDir);
    try {
      if (root?.exists(path)) return readFileSync(root.abs(path));
    } catch {
      // an escaping path is not read
    }
    const inline = join(runDir, 'thumbs', thumbName(m));
    return m.kind === 'image' && existsSync(inline) ? readFileSync(inline) : null;
  }

  private async make(name: string, m: MediaRef, runDir: string): Promise<boolean> {
    const file = join(this.outDir, 'thumbs', name);
    if (existsSync(file)) return true;
    try {
      if (m.kind === 'audio') return false;
      if (m.kind === 'image') {
        const b = this.bytes(m.path, runDir, m);
        if (!b) return false;
        writeFileAtomic(file, await imageThumb(b));
        return true;
      }
      const n = m.paths.length;
      const pick =
        n <= STRIP_FRAMES
          ? m.paths
          : Array.from({ length: STRIP_FRAMES }, (_, i) => m.paths[Math.floor((i * (n - 1)) / (STRIP_FRAMES - 1))]);
      const h = Math.round(THUMB_SIZE / 2);
      const frames: Buffer[] = [];
      for (const p of pick) {
        const b = this.bytes(p, runDir, { kind: 'image', path: p });
        if (b) frames.push(await sharp(b).resize({ height: h }).flatten({ background: '#ffffff' }).jpeg().toBuffer());
      }
      if (!frames.length) return false;
      const widths = await Promise.all(frames.map(async (f) => (await sharp(f).metadata()).width ?? h));
      const total = widths.reduce((s, w) => s + w + 2, 0);
      let x = 0;
      const composite = frames.map((f, i) => {
        const at = { input: f, left: x, top: 0 };
        x += widths[i] + 2;
        return at;
      });
      const strip = await sharp({ create: { width: total, height: h, channels: 3, background: '#ffffff' } })
        .composite(composite)
        .jpeg({ quality: 70 })
        .toBuffer();
      writeFileAtomic(file, strip);
      return true;
    } catch {
      return false;
    }
  }

  /** Make every referenced thumbnail not already made; returns the names that could not be made. */
  async run(): Promise<Set<string>> {
    const failed = new Set<string>();
    await forEachPool([...this.jobs.entries()], 4, async ([name, { m, runDir }]) => {
      if (await this.make(name, m, runDir)) this.made++;
      else {
        this.missing++;
        failed.add(name);
      }
    });
    return failed;
  }
}

/**
 * Write browser/<n>.js for every task of the first run and thumbs/ for the media they show.
 * `flips` (ablation) marks per query which later runs helped or hurt it against the first.
 */
export async function writeBrowser(
  runs: BrowserRun[],
  tasks: string[],
  outDir: string,
  opts: { dataRoot?: string } = {},
): Promise<BrowserIndex> {
  const thumbs = new Thumbnailer(outDir, opts.dataRoot);
  const docs: { task: string; file: string; doc: Record<string, unknown>; thumbs: Thumb[] }[] = [];
  for (const [ti, task] of tasks.entries()) {
    const items = runs.map((r) => readItemsFile(r.dir, task));
    const base = items[0];
    if (!base) continue; // a run from before items files: no browser for this task
    const metric = String(
      (readJsonFile<{ metric?: string }>(join(runs[0].dir, 'summary.json')) as { tasks?: { name: string; metric: string }[] }).tasks?.find(
        (t) => t.name === task,
      )?.metric ?? 'hit@1',
    );
    const keysOf = (it: ItemsFile) => occurrenceKeys(it.queries.map((q) => q.id));
    const perRun = runs.map((r, j) => {
      const it = items[j];
      const predFile = join(r.dir, `${task}_pred.jsonl`);
      if (!it || !existsSync(predFile)) return null;
      const preds = readPredictionFile(predFile);
      const traces = tracesByKey(r.dir, task);
      const keys = keysOf(it);
      return new Map(keys.map((k, i) => [k, { p: preds[i], trace: traces.get(k) ?? null }]));
    });
    const used: Thumb[] = [];
    // audio clips have no thumbnail (the browser shows images and video strips)
    const media = (ms: MediaRef[], runDir: string) =>
      ms
        .flatMap((m) => (m.kind === 'audio' ? [] : [m]))
        .map((m) => {
          const t = thumbs.ref(m, runDir);
          used.push(t);
          return t;
        });
    const cands: Record<string, { text: string; media: Thumb[] }> = {};
    const addCand = (id: string) => {
      if (id in cands) return;
      for (const [j, it] of items.entries()) {
        const c = it?.candidates[id];
        if (c) {
          cands[id] = { text: c.text, media: media(c.media, runs[j].dir) };
          return;
        }
      }
    };
    const keys = keysOf(base);
    const queries = base.queries.map((q, i) => {
      const key = keys[i];
      const r = perRun.map((m) => {
        const e = m?.get(key);
        if (!e?.p) return null;
        const vals = perQueryMetrics(e.p);
        const gold = new Set(q.gold);
        const rank = e.p.prediction.findIndex((id) => gold.has(id));
        const top = e.p.prediction.slice(0, BROWSER_TOP);
        top.forEach(addCand);
        return {
          trace: e.trace,
          top,
          rank: rank < 0 ? null : rank + 1,
          listed: e.p.prediction.length,
          hit: vals['hit@1'],
          score: vals[metric],
        };
      });
      for (const g of q.gold.slice(0, BROWSER_TOP)) addCand(g);
      const flip = r.map((x) =>
        x && r[0] && x !== r[0] ? (r[0].hit > 0 && !(x.hit > 0) ? 'hurt' : !(r[0].hit > 0) && x.hit > 0 ? 'helped' : null) : null,
      );
      return { id: q.id, key, text: q.text, media: media(q.media, runs[0].dir), gold: q.gold, r, flip };
    });
    const file = `browser/t${ti}.js`;
    docs.push({
      task,
      file,
      thumbs: used,
      doc: { task, metric, runs: runs.map((x) => ({ label: x.label, name: x.name })), queries, cands },
    });
  }
  const failed = await thumbs.run();
  for (const d of docs) {
    for (const t of d.thumbs) if (t.src && failed.has(t.src.slice('thumbs/'.length))) t.src = null;
    writeFileAtomic(
      join(outDir, d.file),
      `window.TTE_BROWSER=window.TTE_BROWSER||{};window.TTE_BROWSER[${scriptJson(d.task)}]=${scriptJson(d.doc)};\n`,
    );
  }
  return {
    tasks: docs.map((d) => ({ task: d.task, file: d.file, queries: (d.doc.queries as unknown[]).length })),
    runs: runs.map((x) => ({ label: x.label, name: x.name })),
    thumbs: { made: thumbs.made, missing: thumbs.missing },
  };
}

export const BROWSER_CSS = `
#browser .bar{display:flex;flex-wrap:wrap;gap:.5em;align-items:center;margin:.5em 0}
#browser .bq{border:1px solid #ddd;border-radius:6px;padding:.6em;margin:.6em 0}
#browser .bq.hl{outline:3px solid #f28e2b}
#browser .qh{display:flex;gap:.6em;align-items:baseline;flex-wrap:wrap}
#browser .qid{font-family:monospace;font-weight:bold}
#browser .txt{white-space:pre-wrap;font-size:.9em;max-height:12em;overflow:auto;background:#fafafa;padding:.3em}
#browser .runs{display:grid;gap:.6em}
#browser .run{border-left:3px solid #4e79a7;padding-left:.5em;min-width:0}
#browser .trace{white-space:pre-wrap;font-size:.85em;max-height:10em;overflow:auto;color:#333;background:#f4f6fb;padding:.3em}
#browser .cand{display:flex;gap:.4em;align-items:flex-start;font-size:.85em;margin:.2em 0}
#browser .cand.gold{background:#e6f4e6}
#browser .cand .ct{white-space:pre-wrap;max-height:4.5em;overflow:auto;flex:1}
#browser img.th{max-height:80px;max-width:160px;border:1px solid #ccc}
#browser img.strip{max-height:80px;max-width:100%}
#browser .nomedia{display:inline-block;font-size:.75em;color:#777;border:1px dashed #bbb;padding:.2em}
#browser .tag{font-size:.75em;padding:0 .3em;border-radius:3px;background:#eee}
#browser .tag.helped{background:#cdeccd}#browser .tag.hurt{background:#f6cdcd}
`;

/** The viewer: plain DOM, textContent only. Reads window.TTE_BROWSER[task] from the scripts written above. */
const VIEWER = String.raw`(function(){
var idx=JSON.parse(document.getElementById('browser-index').textContent);
var B=document.getElementById('browser');
// the media placeholders of the model's text format stand where the thumbnails now are
function shown(t){return t.replace(/<\|(?:image|video)_pad\|>\s?/g,'').trim();}
function el(t,c,txt){var e=document.createElement(t);if(c)e.className=c;if(txt!==undefined&&txt!==null)e.textContent=String(txt);return e;}
var st={task:null,q:'',filter:'all',page:0,size:20,focus:null};
var tsel=document.getElementById('b-task'),qin=document.getElementById('b-search'),fsel=document.getElementById('b-filter'),psel=document.getElementById('b-size');
idx.tasks.forEach(function(t){var o=el('option',null,t.task+' ('+t.queries+')');o.value=t.task;tsel.appendChild(o);});
var opts=[['all','all queries'],['fail','failures of '+idx.runs[0].label+' (Hit@1 = 0)']];
idx.runs.slice(1).forEach(function(r,j){opts.push(['fail'+(j+1),'failures of '+r.label]);});
if(idx.runs.length>1){opts.push(['flips','flips (Hit@1 changed against A)']);idx.runs.slice(1).forEach(function(r,j){opts.push(['helped'+(j+1),'helped by '+r.label]);opts.push(['hurt'+(j+1),'hurt by '+r.label]);});}
opts.forEach(function(o){var e=el('option',null,o[1]);e.value=o[0];fsel.appendChild(e);});
function load(task,cb){window.TTE_BROWSER=window.TTE_BROWSER||{};if(window.TTE_BROWSER[task])return cb();var t=idx.tasks.filter(function(x){return x.task===task;})[0];if(!t)return;var s=document.createElement('script');s.src=t.file;s.onload=cb;document.head.appendChild(s);}
function keep(q){var f=st.filter,m;
 if(st.focus!==null&&q.key!==st.focus)return false;
 if(st.q){var s=st.q.toLowerCase();if(q.id.toLowerCase().indexOf(s)<0&&q.key.toLowerCase().indexOf(s)<0&&q.text.toLowerCase().indexOf(s)<0)return false;}
 if(f==='all')return true;
 if(f==='fail')return q.r[0]&&!(q.r[0].hit>0);
 if((m=/^fail(\d+)$/.exec(f)))return q.r[+m[1]]&&!(q.r[+m[1]].hit>0);
 if(f==='flips')return q.flip.some(function(x){return !!x;});
 if((m=/^(helped|hurt)(\d+)$/.exec(f)))return q.flip[+m[2]]===m[1];
 return true;}
function media(list,cls){var w=el('span');list.forEach(function(m){if(m.src){var i=el('img',m.kind==='frames'?'strip':'th');i.src=m.src;i.alt=m.path;i.title=m.path+(m.frames?' ('+m.frames+' frames)':'');w.appendChild(i);}else w.appendChild(el('span','nomedia',(m.kind==='frames'?'video':'image')+' not available: '+m.path));});return w;}
function render(){var d=window.TTE_BROWSER[st.task];var list=document.getElementById('b-list');list.textContent='';
 var qs=d.queries.filter(keep);var pages=Math.max(1,Math.ceil(qs.length/st.size));if(st.page>=pages)st.page=pages-1;
 document.getElementById('b-count').textContent=qs.length+' of '+d.queries.length+' queries';
 document.getElementById('b-page').textContent='page '+(st.page+1)+' / '+pages;
 qs.slice(st.page*st.size,(st.page+1)*st.size).forEach(function(q){
  var c=el('div','bq');c.setAttribute('data-key',q.key);if(st.focus===q.key)c.className+=' hl';
  var h=el('div','qh');h.appendChild(el('span','qid',q.id));h.appendChild(el('span','tag','gold: '+q.gold.join(', ')));
  q.flip.forEach(function(f,j){if(f)h.appendChild(el('span','tag '+f,f+' by '+d.runs[j].label));});
  c.appendChild(h);c.appendChild(media(q.media));c.appendChild(el('div','txt',shown(q.text)));
  var rs=el('div','runs');rs.style.gridTemplateColumns='repeat('+d.runs.length+',minmax(0,1fr))';
  q.r.forEach(function(r,j){var x=el('div','run');x.appendChild(el('div',null,d.runs[j].label+': '+d.runs[j].name));
   if(!r){x.appendChild(el('div',null,'(no prediction)'));rs.appendChild(x);return;}
   x.appendChild(el('div',null,'Hit@1 '+r.hit+(d.metric!=='hit@1'?' · '+d.metric+' '+(Math.round(r.score*1000)/1000):'')+' · gold rank '+(r.rank===null?'not in the '+r.listed+' listed':r.rank)));
   if(r.trace!==null)x.appendChild(el('div','trace',r.trace));
   r.top.forEach(function(id,i){var g=q.gold.indexOf(id)>=0;var cd=el('div','cand'+(g?' gold':''));cd.appendChild(el('span',null,(i+1)+'.'+(g?' ★':'')));var cc=d.cands[id];
    if(cc&&cc.media.length)cd.appendChild(media(cc.media));cd.appendChild(el('span','ct',id+(cc&&cc.text&&shown(cc.text)!==id?' — '+shown(cc.text):'')));x.appendChild(cd);});
   rs.appendChild(x);});
  c.appendChild(rs);list.appendChild(c);});
 B.setAttribute('data-ready',st.task);}
function go(){load(st.task,render);}
tsel.onchange=function(){st.task=tsel.value;st.page=0;st.focus=null;go();};
qin.oninput=function(){st.q=qin.value;st.page=0;st.focus=null;go();};
fsel.onchange=function(){st.filter=fsel.value;st.page=0;go();};
psel.onchange=function(){st.size=+psel.value;st.page=0;go();};
document.getElementById('b-prev').onclick=function(){if(st.page>0){st.page--;go();}};
document.getElementById('b-next').onclick=function(){st.page++;go();};
function fromHash(){var m=/^#q=([^&]*)&k=(.*)$/.exec(location.hash);if(!m)return false;st.task=decodeURIComponent(m[1]);st.focus=decodeURIComponent(m[2]);st.filter='all';fsel.value='all';st.q='';qin.value='';st.page=0;tsel.value=st.task;go();B.scrollIntoView();return true;}
window.addEventListener('hashchange',fromHash);
document.getElementById('b-all').onclick=function(){st.focus=null;go();};
if(!fromHash()&&idx.tasks.length){st.task=idx.tasks[0].task;go();}
})();`;

/** Link into the browser at one query. */
export function browserLink(task: string, key: string): string {
  return `#q=${encodeURIComponent(task)}&k=${encodeURIComponent(key)}`;
}

/** The browser section of a page (the page must include BROWSER_CSS). */
export function browserSection(index: BrowserIndex): string {
  if (!index.tasks.length)
    return '<p class="note">No query browser: the run folder has no items files (it was made by an older version).</p>';
  const thumbsNote = index.thumbs.missing ? ` ${index.thumbs.missing} media file(s) could not be read (shown as not available).` : '';
  return `<div id="browser">
<p class="note">Every query of every task: search by id or text, filter to failures or flips, page through. Thumbnails are in <code>thumbs/</code>, each task's data in <code>browser/</code>.${thumbsNote}</p>
<div class="bar"><label>Task <select id="b-task"></select></label><label>Search <input id="b-search" type="search" placeholder="id or text"></label><label>Show <select id="b-filter"></select></label><label>Per page <select id="b-size"><option>20</option><option>50</option><option>200</option><option>1000</option></select></label><button id="b-prev" type="button">◀</button><span id="b-page"></span><button id="b-next" type="button">▶</button><button id="b-all" type="button">show all</button><span id="b-count"></span></div>
<div id="b-list"></div>
</div>
<script type="application/json" id="browser-index">${scriptJson(index)}</script>
<script>${VIEWER}</script>`;
}
