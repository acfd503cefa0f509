// A gzip'd tar (POSIX ustar) of regular files: the bundle format. Written here rather than taken
// from a library because a bundle needs only flat regular files with short names (a 512-byte header
// each, then the data padded to 512 bytes, then two empty blocks); any `tar -xzf` opens it.
import zlib from 'node:zlib';

const BLOCK = 512;

export interface TarFile {
  /** Path inside the archive, '/'-separated, at most 100 bytes. */
  name: string;
  data: Buffer;
}

function octal(n: number, width: number): string {
  // width - 1 octal digits then NUL, as ustar numeric fields are written.
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, size: number, mtimeSeconds: number): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  if (Buffer.byteLength(name) > 100) throw new Error(`the file name "${name}" is longer than a tar header holds (100 bytes)`);
  h.write(name, 0, 'utf8');
  h.write(octal(0o644, 8), 100, 'ascii'); // mode
  h.write(octal(0, 8), 108, 'ascii'); // uid
  h.write(octal(0, 8), 116, 'ascii'); // gid
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(mtimeSeconds, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii'); // checksum: spaces while summing
  h.write('0', 156, 'ascii'); // typeflag: regular file
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return h;
}

export function createTarGz(files: TarFile[], mtime: Date): Buffer {
  const parts: Buffer[] = [];
  const seconds = Math.floor(mtime.getTime() / 1000);
  for (const f of files) {
    parts.push(header(f.name, f.data.length, seconds), f.data);
    const pad = (BLOCK - (f.data.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(BLOCK * 2, 0));
  return zlib.gzipSync(Buffer.concat(parts), { level: 9 });
}

/** Read a tar.gz; every failure says what is wrong with the file, not just that it failed. */
export function readTarGz(gz: Buffer): TarFile[] {
  let tar: Buffer;
  try {
    tar = zlib.gunzipSync(gz);
  } catch (err) {
    throw new Error(`it is not a gzip file (${(err as Error).message})`);
  }
  const files: TarFile[] = [];
  for (let off = 0; off + BLOCK <= tar.length; ) {
    const h = tar.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) break; // end of archive
    const field = (start: number, len: number) => h.subarray(start, start + len).toString('utf8').replace(/\0.*$/s, '');
    if (field(257, 5) !== 'ustar') throw new Error(`it is not a tar archive (no ustar header at byte ${off})`);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
    if (parseInt(field(148, 8).trim(), 8) !== sum) throw new Error(`the tar header at byte ${off} is damaged (checksum)`);
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const prefix = field(345, 155);
    const name = (prefix ? `${prefix}/` : '') + field(0, 100);
    const type = field(156, 1) || '0';
    const dataStart = off + BLOCK;
    if (dataStart + size > tar.length) throw new Error(`the archive is cut short (file "${name}" needs ${size} bytes)`);
    if (type === '0') files.push({ name, data: Buffer.from(tar.subarray(dataStart, dataStart + size)) });
    off = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}
