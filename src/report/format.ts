/** A ×100 score as every table prints it: two decimals, or an en dash where there is none. */
export function formatScore(v: number | null | undefined): string {
  return v === null || v === undefined ? '–' : v.toFixed(2);
}
