// CSV as RFC 4180 writes it: the update file and the test data export share it.

/** RFC 4180: quote a field holding a comma, quote or line break; double the quotes inside. */
export function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
