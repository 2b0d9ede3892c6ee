import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { unzipSync } from 'fflate';

/** One advisory file as read from a source: its name (which tells its format) and its text. */
export interface AdvisoryFile {
  name: string;
  content: string;
}

const advisoryFile = /\.(json|ya?ml)$/i;

function fromZip(bytes: Uint8Array, origin: string): AdvisoryFile[] {
  const entries = unzipSync(bytes, { filter: (file) => advisoryFile.test(file.name) });
  return Object.entries(entries).map(([name, data]) => ({
    name: `${origin}:${name}`,
    content: new TextDecoder().decode(data),
  }));
}

async function fromPath(path: string): Promise<AdvisoryFile[]> {
  const info = await stat(path);
  if (info.isDirectory()) {
    const entries = await readdir(path, { withFileTypes: true });
    const nested = await Promise.all(
      entries
        .filter(
          (entry) => entry.isDirectory() || advisoryFile.test(entry.name) || entry.name.endsWith('.zip'),
        )
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((entry) => fromPath(join(path, entry.name))),
    );
    return nested.flat();
  }
  const bytes = await readFile(path);
  if (path.endsWith('.zip')) return fromZip(bytes, path);
  return [{ name: path, content: bytes.toString('utf8') }];
}

async function fromUrl(url: string): Promise<AdvisoryFile[]> {
  const response = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  // A zip starts with "PK"; the OSV exports are zips, a single advisory is JSON or YAML.
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return fromZip(bytes, url);
  return [{ name: new URL(url).pathname, content: new TextDecoder().decode(bytes) }];
}

/** Every advisory file of a source: a directory, a zip (such as OSV's export), a single file, or a URL to one. */
export function readAdvisorySource(location: string): Promise<AdvisoryFile[]> {
  return /^https?:\/\//.test(location) ? fromUrl(location) : fromPath(location);
}
