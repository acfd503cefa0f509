// A gzip'd tar (POSIX ustar) of regular files: the bundle format. Written here rather than taken
// from a library because a bundle needs only flat regular files with short names (a 512-byte header
// each, then the data padded to 512 bytes, then two empty blocks); any `tar -xzf` opens it.
import zlib from 'node:zlib';
import { pathProblem, printable } from './names.js';

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

/** One ustar header; `type` '0' is a regular file (the only kind a bundle writes), `linkname` for a link's target. */
export function ustarHeader(name: string, size: number, mtimeSeconds: number, type = '0', linkname = ''): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  if (Buffer.byteLength(name) > 100) throw new Error(`the file name "${name}" is longer than a tar header holds (100 bytes)`);
  h.write(name, 0, 'utf8');
  h.write(octal(0o644, 8), 100, 'ascii'); // mode
  h.write(octal(0, 8), 108, 'ascii'); // uid
  h.write(octal(0, 8), 116, 'ascii'); // gid
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(mtimeSeconds, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii'); // checksum: spaces while summing
  h.write(type, 156, 'ascii');
  if (linkname) h.write(linkname, 157, 'utf8');
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
    parts.push(ustarHeader(f.name, f.data.length, seconds), f.data);
    const pad = (BLOCK - (f.data.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(BLOCK * 2, 0));
  return zlib.gzipSync(Buffer.concat(parts), { level: 9 });
}

// A bundle is untrusted input: these caps keep a crafted one (a gzip bomb, a million entries)
// from taking the reader's memory, and the entry rules keep it from writing outside its folder.
export const MAX_ARCHIVE_BYTES = 64 * 1024 * 1024;
export const MAX_UNPACKED_BYTES = 64 * 1024 * 1024;
export const MAX_ENTRIES = 10_000;

const MiB = (n: number) => `${n / (1024 * 1024)} MiB`;

/** Tar entry types a bundle never holds, by name, for the refusal message. */
const REFUSED_TYPES: Record<string, string> = {
  '1': 'a hard link', '2': 'a symbolic link', '3': 'a character device', '4': 'a block device', '6': 'a FIFO',
  '7': 'a contiguous file', x: 'a pax extended header', g: 'a pax global header', L: 'a GNU long name', K: 'a GNU long link name',
};

/** Decompress with a running byte count: past the cap zlib stops and nothing more is held. */
function gunzipCapped(gz: Buffer): Buffer {
  try {
    return zlib.gunzipSync(gz, { maxOutputLength: MAX_UNPACKED_BYTES });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new Error(`it unpacks to more than ${MiB(MAX_UNPACKED_BYTES)} (a bundle is far smaller; refused as a possible gzip bomb)`);
    }
    throw new Error(`it is not a gzip file (${(err as Error).message})`);
  }
}

/** The entry's name when it is a regular file (a directory gives undefined); anything else is refused. */
function checkedEntry(name: string, type: string): string | undefined {
  const kind = REFUSED_TYPES[type] ?? (type === '0' || type === '5' ? undefined : `an entry of type "${printable(type)}"`);
  if (kind) throw new Error(`the entry "${printable(name)}" is ${kind}; a bundle holds only regular files and folders`);
  const bare = type === '5' ? name.replace(/\/+$/, '') : name;
  const why = pathProblem(bare);
  if (why) throw new Error(`the entry "${printable(name)}" ${why}`);
  return type === '5' ? undefined : bare;
}

/**
 * Read a tar.gz; every failure says what is wrong with the file, not just that it failed. Only
 * regular files and folders with safe relative names are accepted, each name once, within the caps.
 */
export function readTarGz(gz: Buffer): TarFile[] {
  if (gz.length > MAX_ARCHIVE_BYTES) throw new Error(`it is ${gz.length.toLocaleString('en-GB')} bytes; a bundle is at most ${MiB(MAX_ARCHIVE_BYTES)}`);
  const tar = gunzipCapped(gz);
  const files: TarFile[] = [];
  const seen = new Set<string>();
  let entries = 0;
  for (let off = 0; off + BLOCK <= tar.length; ) {
    const h = tar.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) break; // end of archive
    if (++entries > MAX_ENTRIES) throw new Error(`it has more than ${MAX_ENTRIES.toLocaleString('en-GB')} entries`);
    const field = (start: number, len: number) => h.subarray(start, start + len).toString('utf8').replace(/\0.*$/s, '');
    if (field(257, 5) !== 'ustar') throw new Error(`it is not a tar archive (no ustar header at byte ${off})`);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
    if (parseInt(field(148, 8).trim(), 8) !== sum) throw new Error(`the tar header at byte ${off} is damaged (checksum)`);
    const prefix = field(345, 155);
    const name = (prefix ? `${prefix}/` : '') + field(0, 100);
    const sizeField = field(124, 12).trim() || '0';
    if (!/^[0-7]+$/.test(sizeField)) throw new Error(`the entry "${printable(name)}" has a damaged size field`);
    const size = parseInt(sizeField, 8);
    const file = checkedEntry(name, field(156, 1) || '0');
    const dataStart = off + BLOCK;
    if (dataStart + size > tar.length) throw new Error(`the archive is cut short (file "${printable(name)}" needs ${size} bytes)`);
    if (file !== undefined) {
      if (seen.has(file)) throw new Error(`the entry "${printable(file)}" appears twice`);
      seen.add(file);
      files.push({ name: file, data: Buffer.from(tar.subarray(dataStart, dataStart + size)) });
    }
    off = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}
