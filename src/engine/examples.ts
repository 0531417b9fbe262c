/** Example selection: the queries a report shows for a task ({task}_examples.json). */
import type { Trace } from '../backends/types.js';
import type { EvalSet } from '../items/types.js';
import { perQueryMetrics, type Prediction } from '../metrics/ranking.js';
import type { Example } from '../report/run-folder.js';

/** The three best and three worst queries of a task by its main metric (ties: query order), for reports. */
export function examples(evalSet: EvalSet, preds: Prediction[], traces: (Trace | null)[]): { best: Example[]; worst: Example[] } {
  const metric = evalSet.task.metric;
  const rows: Example[] = preds.map((p, i) => ({
    id: evalSet.queries[i].id,
    text: evalSet.queries[i].text,
    gold: evalSet.queries[i].gold,
    top: p.prediction.slice(0, 3),
    score: perQueryMetrics(p)[metric],
    trace: traces[i]?.text ?? null,
  }));
  const order = rows.map((r, i) => ({ r, i }));
  const best = [...order]
    .sort((a, b) => b.r.score - a.r.score || a.i - b.i)
    .slice(0, 3)
    .map((x) => x.r);
  const worst = [...order]
    .sort((a, b) => a.r.score - b.r.score || a.i - b.i)
    .slice(0, 3)
    .map((x) => x.r);
  return { best, worst };
}
