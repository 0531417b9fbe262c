/** Reader and writer for numpy .npy files (format 1.0–3.0): 2-D float32/float64, C order, little-endian. */
import { readFileSync } from 'node:fs';
import { DataError } from '../errors.js';

export interface Matrix {
  rows: number;
  cols: number;
  data: Float32Array;
}

export function readNpy(file: string): Matrix {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    throw new DataError(`cannot read: ${(err as Error).message}`, { file });
  }
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY') throw new DataError('not a .npy file (bad magic)', { file });
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString(major >= 3 ? 'utf8' : 'latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shape === undefined) throw new DataError(`unreadable .npy header: ${header.trim()}`, { file });
  if (fortran === 'True') throw new DataError('Fortran-order arrays are not supported (save with np.ascontiguousarray)', { file });
  const dims = shape.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (dims.length !== 2) throw new DataError(`expected a 2-D array, got shape (${shape})`, { file });
  const [rows, cols] = dims;
  const offset = start + headerLen;
  const n = rows * cols;
  let data: Float32Array;
  if (descr === '<f4' || descr === '|f4') {
    if (buf.length - offset < n * 4) throw new DataError('file is shorter than its shape says', { file });
    data = new Float32Array(buf.buffer.slice(buf.byteOffset + offset, buf.byteOffset + offset + n * 4));
  } else if (descr === '<f8') {
    if (buf.length - offset < n * 8) throw new DataError('file is shorter than its shape says', { file });
    const f64 = new Float64Array(buf.buffer.slice(buf.byteOffset + offset, buf.byteOffset + offset + n * 8));
    data = Float32Array.from(f64);
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
