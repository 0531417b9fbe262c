/**
 * Relative links in the project's Markdown: every `[text](path#anchor)` (and `[ref]: path` definition)
 * outside code must name a file that exists and, with `#anchor`, a heading of that file as GitHub
 * renders its anchor. test/docs.test.ts runs it over README.md and docs/*.md.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { githubSlug } from './commands-doc.js';

/** The text without fenced code blocks and inline code spans (links there are examples, not links). */
function withoutCode(text: string): string {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/(`+)[\s\S]*?\1/g, '');
}

/** A heading's text as GitHub slugs it: inline code, links and emphasis reduced to their words. */
function headingText(raw: string): string {
  return raw
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/[*]/g, '')
    .trim();
}

/** The anchors GitHub gives a Markdown file: heading slugs (repeats suffixed -1, -2, …) and explicit ids. */
export function anchorsOf(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const m of text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = githubSlug(headingText(m[1]));
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n ? `${base}-${n}` : base);
  }
  for (const m of text.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(m[1]);
  return anchors;
}

/** Every broken relative link in these files, as `file: target (why)`; empty when all resolve. */
export function brokenLinks(files: string[], root: string): string[] {
  const problems: string[] = [];
  const anchorCache = new Map<string, Set<string>>();
  const anchors = (f: string) => {
    if (!anchorCache.has(f)) anchorCache.set(f, anchorsOf(f));
    return anchorCache.get(f) as Set<string>;
  };
  for (const file of files) {
    const text = withoutCode(readFileSync(file, 'utf8'));
    const targets = [
      ...[...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]),
      ...[...text.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)].map((m) => m[1]),
    ];
    const where = relative(root, file);
    for (const target of targets) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
      const [path, anchor] = target.split('#', 2) as [string, string | undefined];
      const linked = path ? join(dirname(file), decodeURIComponent(path)) : file;
      if (!existsSync(linked)) {
        problems.push(`${where}: ${target} (no file ${relative(root, linked)})`);
        continue;
      }
      if (anchor === undefined || anchor === '') continue;
      if (statSync(linked).isDirectory() || !linked.endsWith('.md')) {
        problems.push(`${where}: ${target} (an anchor into a file that is not Markdown)`);
        continue;
      }
      if (!anchors(linked).has(anchor))
        problems.push(`${where}: ${target} (no heading in ${relative(root, linked)} has the anchor #${anchor})`);
    }
  }
  return problems;
}
