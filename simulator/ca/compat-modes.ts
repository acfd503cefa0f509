// The C&A's compatibility modes, apart from their implementation (compat.ts) so a command's
// options can list them without loading express.
export const COMPAT_MODES = ['maps-harness'] as const;
export type CompatMode = (typeof COMPAT_MODES)[number];
