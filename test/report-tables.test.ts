import { test } from 'node:test';
import assert from 'node:assert/strict';
import { htmlTable } from '../src/report/html.js';
import { markdownTable } from '../src/report/markdown.js';
import type { Table } from '../src/report/tables.js';

/** One table model, two renderings: each escapes for its own format and leaves out the other's columns. */
const table: Table = {
  id: 'demo',
  columns: [
    { header: 'Task', align: 'left', cls: 'name' },
    { header: 'Meta', align: 'left' },
    { header: 'Score', align: 'right' },
    { header: 'Wall s', align: 'right', only: 'html' },
    { header: 'Calls', align: 'right', only: 'markdown' },
  ],
  rows: [
    { cls: 'run', cells: [{ text: 'a|b (this run)', markdown: { strong: 'a|b', text: ' (this run)' } }, 'I-CLS', '80.00', '1.50', '3'] },
    { cells: ['<script>\nx', 'V-QA', { text: '+1.00 [0.00, 2.00] *', tone: 'up' }, '–', '4'] },
    { cells: ['c', 'VD-V1', { text: '0.0400', cls: 'sig' }, '0.10', '5'] },
  ],
  notes: ['Counts are what this run asked for.'],
};

test('markdownTable: header, alignment row, escaped cells, bold where the model says, notes after', () => {
  assert.deepEqual(markdownTable(table), [
    '| Task | Meta | Score | Calls |',
    '|---|---|---:|---:|',
    '| **a\\|b** (this run) | I-CLS | 80.00 | 3 |',
    '| <script> ⏎ x | V-QA | +1.00 [0.00, 2.00] * | 4 |',
    '| c | VD-V1 | 0.0400 | 5 |',
    '',
    'Counts are what this run asked for.',
  ]);
  // a document's own escaping replaces the default
  assert.equal(markdownTable(table, (s) => s.replace(/\n/g, ' '))[3], '| <script> x | V-QA | +1.00 [0.00, 2.00] * | 4 |');
});

test('htmlTable: escaped text, column and cell classes, row classes, tone spans, notes', () => {
  assert.equal(
    htmlTable(table),
    '<div class="scroll"><table id="demo"><thead><tr><th>Task</th><th>Meta</th><th>Score</th><th>Wall s</th></tr></thead><tbody>\n' +
      '<tr class="run"><td class="name">a|b (this run)</td><td>I-CLS</td><td>80.00</td><td>1.50</td></tr>\n' +
      '<tr><td class="name">&lt;script&gt;\nx</td><td>V-QA</td><td><span class="up">+1.00 [0.00, 2.00] *</span></td><td>–</td></tr>\n' +
      '<tr><td class="name">c</td><td>VD-V1</td><td class="sig">0.0400</td><td>0.10</td></tr>\n' +
      '</tbody></table></div>\n<p class="note">Counts are what this run asked for.</p>',
  );
});
