/** What a run report is made from: read from a results folder by write.ts, rendered by markdown.ts and html.ts. */
import type { BrowserIndex } from './browser.js';
import type { PriceTable } from './costs.js';
import type { ReferenceRow } from './reference.js';
import type { RunSummary, TaskCost } from './results.js';
import type { Example } from './run-folder.js';

export interface ReportChart {
  file: string;
  title: string;
  png: Buffer;
  width: number;
  height: number;
}

export interface ReportData {
  summary: RunSummary;
  references: ReferenceRow[];
  costs: Record<string, TaskCost>;
  examples: Record<string, { best: Example[]; worst: Example[] }>;
  charts: ReportChart[];
  prices?: PriceTable;
  money: (c: TaskCost) => number;
  /** The query browser written beside report.html (absent when only the data is built). */
  browser?: BrowserIndex;
}
