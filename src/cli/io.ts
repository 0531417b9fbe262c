import { writeFileAtomic } from '../util/json.js';

/** Print to stdout, or write atomically to --out when given. */
export function emit(text: string, out?: string): void {
  if (out) writeFileAtomic(out, text);
  else process.stdout.write(text);
}
