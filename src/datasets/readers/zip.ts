/**
 * Zip archives (the MMEB-V3 GUI screenshots, GUIAct.zip and Mind2Web.zip) read with yauzl: random access through
 * the central directory, zip64, streaming inflate, entry names refused when absolute or leaving the destination.
 * `checkZip` reads every entry once (sizes and CRC-32) before `extractZip` writes anything.
 */
import { createWriteStream, mkdirSync, realpathSync } from 'node:fs';
import { once } from 'node:events';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import { DataError } from '../../errors.js';
import { safeMemberPath } from './tar.js';

type Visit = (path: string, isDir: boolean, stream: Readable | null) => Promise<void>;

async function walkZip(file: string, visit: Visit): Promise<number> {
  const zip = await new Promise<yauzl.ZipFile>((res, rej) =>
    yauzl.open(file, { lazyEntries: true, autoClose: true, validateEntrySizes: true }, (err, z) => (err ? rej(err) : res(z))),
  );
  let count = 0;
  await new Promise<void>((res, rej) => {
    const fail = (err: Error) => {
      zip.close();
      rej(err);
    };
    zip.on('error', fail);
    zip.on('end', () => res());
    zip.on('entry', (entry: yauzl.Entry) => {
      const run = async () => {
        const isDir = entry.fileName.endsWith('/');
        const path = safeMemberPath(entry.fileName);
        let stream: Readable | null = null;
        if (!isDir) {
          stream = await new Promise<Readable>((r, j) => zip.openReadStream(entry, (err, s) => (err ? j(err) : r(s))));
          let crc = 0;
          stream.on('data', (chunk: Buffer) => {
            crc = crc32(chunk, crc);
          });
          stream.on('end', () => {
            if (crc >>> 0 !== entry.crc32 >>> 0) stream?.destroy(new Error(`CRC-32 mismatch in '${entry.fileName}'`));
          });
        }
        await visit(path, isDir, stream);
        count++;
        zip.readEntry();
      };
      run().catch(fail);
    });
    zip.readEntry();
  });
  return count;
}

async function drain(stream: Readable): Promise<void> {
  for await (const _ of stream) {
    /* read to the end: sizes and CRC are checked as it streams */
  }
}

/** Read every entry (names, sizes, CRC-32) without writing. */
export async function checkZip(file: string): Promise<string[]> {
  const names: string[] = [];
  try {
    await walkZip(file, async (path, _isDir, stream) => {
      names.push(path);
      if (stream) await drain(stream);
    });
  } catch (err) {
    throw new DataError(`archive check failed: ${(err as Error).message}`, { file });
  }
  return names;
}

export async function extractZip(file: string, dest: string): Promise<number> {
  mkdirSync(dest, { recursive: true });
  const realDest = realpathSync(dest);
  try {
    return await walkZip(file, async (path, isDir, stream) => {
      if (!path) return;
      const target = join(dest, ...path.split('/'));
      mkdirSync(isDir ? target : dirname(target), { recursive: true });
      const back = relative(realDest, realpathSync(isDir ? target : dirname(target)));
      if (back === '..' || back.startsWith(`..${sep}`) || isAbsolute(back)) throw new Error(`'${path}' resolves outside ${dest}`);
      if (!stream) return;
      const out = createWriteStream(target);
      for await (const chunk of stream) if (!out.write(chunk)) await once(out, 'drain');
      out.end();
      await once(out, 'close');
    });
  } catch (err) {
    throw new DataError(`unpacking failed: ${(err as Error).message}`, { file });
  }
}
