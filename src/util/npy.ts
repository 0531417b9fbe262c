/** Reader and writer for numpy .npy files (format 1.0–3.0): 2-D float32/float64, C order, little-endian. */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { DataError } from '../errors.js';

export interface Matrix {
  rows: number;
  cols: number;
  data: Float32Array;
}

/**
 * Bytes per read call. node's fs.read takes the buffer offset and length as 32-bit integers and aborts the
 * process (an assertion, not an exception) on a larger one: a 3.4 GB candidate matrix (BRIGHT leetcode, 413,932
 * × 2048 float32) crashed `rank` until reads went in chunks, each into a view at offset 0.
 */
const READ_CHUNK = 1 << 30;

/** The whole file in one fresh ArrayBuffer (offset 0), so a view into it can be moved to a worker. */
function readWhole(file: string): Uint8Array {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw new DataError(`cannot read: ${(err as Error).message}`, { file });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      // a pipe or device (e.g. /dev/stdin): its size is unknown up front; copy what it yields into a fresh buffer
      const data = readFileSync(fd);
      return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
    }
    const bytes = new Uint8Array(new ArrayBuffer(st.size));
    let at = 0;
    while (at < bytes.length) {
      const n = readSync(
        fd,
        bytes.subarray(at, at + Math.min(READ_CHUNK, bytes.length - at)),
        0,
        Math.min(READ_CHUNK, bytes.length - at),
        at,
      );
      if (n === 0) break;
      at += n;
    }
    return at === bytes.length ? bytes : bytes.subarray(0, at);
  } catch (err) {
    throw new DataError(`cannot read: ${(err as Error).message}`, { file });
  } finally {
    closeSync(fd);
  }
}

/** `readWhole` on libuv's thread pool, so the calling thread can do other work (load a native module) meanwhile. */
async function readWholeAsync(file: string): Promise<Uint8Array> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    throw new DataError(`cannot read: ${(err as Error).message}`, { file });
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return readWhole(file); // a pipe or device: read as readNpy does
    const bytes = new Uint8Array(new ArrayBuffer(st.size));
    let at = 0;
    while (at < bytes.length) {
      const len = Math.min(READ_CHUNK, bytes.length - at);
      const { bytesRead } = await fh.read(bytes.subarray(at, at + len), 0, len, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return at === bytes.length ? bytes : bytes.subarray(0, at);
  } catch (err) {
    throw err instanceof DataError ? err : new DataError(`cannot read: ${(err as Error).message}`, { file });
  } finally {
    await fh.close();
  }
}

/**
 * Read a 2-D .npy file. A little-endian float32 array is returned as a view of the file's bytes — no
 * per-element work and no copy (numpy pads the header to a multiple of 64 bytes, so the data is aligned; an
 * unaligned file is copied once). `data.buffer` is the file's own buffer: transferring it to a worker moves
 * the matrix without copying. float64 is converted to float32 (the one per-element path).
 */
export function readNpy(file: string): Matrix {
  return parseNpy(readWhole(file), file);
}

/** `readNpy`, with the file read off the calling thread. */
export async function readNpyAsync(file: string): Promise<Matrix> {
  return parseNpy(await readWholeAsync(file), file);
}

function parseNpy(buf: Uint8Array, file: string): Matrix {
  const latin1 = (a: number, b: number) => Buffer.from(buf.buffer, buf.byteOffset + a, b - a).toString('latin1');
  if (buf.length < 10 || latin1(0, 6) !== '\x93NUMPY') throw new DataError('not a .npy file (bad magic)', { file });
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const major = buf[6];
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = Buffer.from(buf.buffer, buf.byteOffset + start, Math.max(0, Math.min(headerLen, buf.length - start))).toString(
    major >= 3 ? 'utf8' : 'latin1',
  );
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shape === undefined) throw new DataError(`unreadable .npy header: ${header.trim()}`, { file });
  if (fortran === 'True') throw new DataError('Fortran-order arrays are not supported (save with np.ascontiguousarray)', { file });
  const dims = shape
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  if (dims.length !== 2) throw new DataError(`expected a 2-D array, got shape (${shape})`, { file });
  const [rows, cols] = dims;
  const offset = buf.byteOffset + start + headerLen;
  const n = rows * cols;
  let data: Float32Array;
  if (descr === '<f4' || descr === '|f4') {
    if (buf.byteOffset + buf.length - offset < n * 4) throw new DataError('file is shorter than its shape says', { file });
    data = offset % 4 === 0 ? new Float32Array(buf.buffer, offset, n) : new Float32Array(buf.buffer.slice(offset, offset + n * 4));
  } else if (descr === '<f8') {
    if (buf.byteOffset + buf.length - offset < n * 8) throw new DataError('file is shorter than its shape says', { file });
    data = Float32Array.from(new Float64Array(buf.buffer.slice(offset, offset + n * 8)));
  } else throw new DataError(`unsupported dtype ${descr} (use float32)`, { file });
  return { rows, cols, data };
}

export function npyBytes(m: Matrix): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${m.rows}, ${m.cols}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength)]);
}

export function rowsOf(m: Matrix): Float32Array[] {
  return Array.from({ length: m.rows }, (_, i) => m.data.slice(i * m.cols, (i + 1) * m.cols));
}
