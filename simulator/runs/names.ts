// Names that come from a bundle (archive entries, scenario ids, run ids) become file names on the
// reader's machine, so a bundle is untrusted input: each name is checked against one strict pattern
// before anything is written. A name that passes cannot be absolute, climb out with `..`, hide as a
// dot file, or carry a separator, a NUL or a drive letter.

/** One segment of a name: a letter or digit first, then letters, digits, '.', '_' or '-'; at most 64 characters. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** A path inside a bundle is at most this many segments deep (folder/scenarios/<id>.json is 3). */
export const MAX_PATH_SEGMENTS = 4;

export const NAME_RULE = "a letter or digit, then at most 63 letters, digits, '.', '_' or '-', and no '..'";

/** Why `name` is not a safe name (one segment), or undefined when it is. */
export function nameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return `is not a string (${name === null ? 'null' : typeof name})`;
  if (!NAME_PATTERN.test(name) || name.includes('..')) return `is not a safe name (${NAME_RULE})`;
  return undefined;
}

/** Why `p` is not a safe relative path ('/'-separated safe names), or undefined when it is. */
export function pathProblem(p: string): string | undefined {
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) return 'is an absolute path';
  const segments = p.split('/');
  if (segments.includes('..')) return "climbs out of its folder ('..')";
  if (segments.length > MAX_PATH_SEGMENTS) return `is nested ${segments.length} deep (at most ${MAX_PATH_SEGMENTS} segments)`;
  for (const s of segments) {
    const why = nameProblem(s);
    if (why) return `has a segment "${printable(s)}" that ${why}`;
  }
  return undefined;
}

/** A name as it may be shown in a one-line message: control characters escaped, long names cut. */
export function printable(name: string): string {
  const shown = JSON.stringify(name).slice(1, -1);
  return shown.length > 80 ? `${shown.slice(0, 77)}...` : shown;
}
