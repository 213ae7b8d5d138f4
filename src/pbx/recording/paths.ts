// Where recordings live: DATA_DIR/recordings/<tenant>/<recording>.wav. The row keeps the path
// relative to DATA_DIR, so the data folder can move.
import { join, relative, resolve, sep } from 'node:path';

export function recordingPath(tenantId: string, recordingId: string): string {
  return join('recordings', tenantId, `${recordingId}.wav`);
}

/** The absolute file of a stored path; undefined for one that would leave the recordings folder. */
export function recordingFile(dataDir: string, stored: string): string | undefined {
  const root = resolve(dataDir, 'recordings');
  const file = resolve(dataDir, stored);
  const rel = relative(root, file);
  if (!rel || rel.startsWith('..') || rel.includes(`..${sep}`) || resolve(root, rel) !== file)
    return undefined;
  return file;
}
