import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { downloadBytes, FeedError } from './feed-client.ts';

/** One advisory file as read from a source: its name (which tells its format) and its text. */
export interface AdvisoryFile {
  name: string;
  content: string;
}

const advisoryFile = /\.(json|ya?ml)$/i;

/** Larger than OSV's whole Hex export many times over; a bound on what a source may make us hold. */
export const maxArchiveBytes = 200 * 1024 * 1024;

function fromZip(bytes: Uint8Array, origin: string): AdvisoryFile[] {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, { filter: (file) => advisoryFile.test(file.name) });
  } catch (error) {
    throw new FeedError(`${origin} is not a zip that can be read: ${(error as Error).message}`);
  }
  return Object.entries(entries).map(([name, data]) => ({
    name: `${origin}:${name}`,
    content: new TextDecoder().decode(data),
  }));
}

/** The advisory files in a download: a zip (OSV's exports are zips) or a single JSON or YAML file. */
export function advisoryFilesOf(bytes: Uint8Array, name: string): AdvisoryFile[] {
  // A zip starts with "PK".
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return fromZip(bytes, name);
  return [{ name, content: new TextDecoder().decode(bytes) }];
}

export async function readAdvisoryPath(path: string): Promise<AdvisoryFile[]> {
  const info = await stat(path);
  if (info.isDirectory()) {
    const entries = await readdir(path, { withFileTypes: true });
    const nested = await Promise.all(
      entries
        .filter(
          (entry) => entry.isDirectory() || advisoryFile.test(entry.name) || entry.name.endsWith('.zip'),
        )
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((entry) => readAdvisoryPath(join(path, entry.name))),
    );
    return nested.flat();
  }
  const bytes = await readFile(path);
  if (path.endsWith('.zip')) return fromZip(bytes, path);
  return [{ name: path, content: bytes.toString('utf8') }];
}

export const isUrl = (location: string): boolean => /^https?:\/\//.test(location);

/** Every advisory file of a source: a directory, a zip (such as OSV's export), a single file, or a URL to one. */
export async function readAdvisorySource(location: string): Promise<AdvisoryFile[]> {
  if (!isUrl(location)) return readAdvisoryPath(location);
  const bytes = await downloadBytes(location, { timeoutMs: 120_000, maxBytes: maxArchiveBytes });
  return advisoryFilesOf(bytes, new URL(location).pathname);
}
