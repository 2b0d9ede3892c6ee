import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const appDirectory = fileURLToPath(new URL('./app/', import.meta.url));

/** One file of the dashboard's build, as it is served. */
export interface DashboardFile {
  body: Buffer;
  contentType: string;
  cacheControl: string;
}

/** The dashboard's files by URL path (`/index.html`, `/app-<hash>.js`, ...). */
export type DashboardFiles = Map<string, DashboardFile>;

/** The page is fetched again on every visit; the assets it names carry their content's hash. */
const pageCacheControl = 'no-cache';
const assetCacheControl = 'public, max-age=31536000, immutable';

const contentHash = (body: Buffer): string => createHash('sha256').update(body).digest('hex').slice(0, 12);

/**
 * Builds the dashboard in memory: the TypeScript app and its stylesheet bundled and minified by
 * esbuild for current browsers, each named by its content's hash so that a CDN may keep it forever,
 * and the page that loads them. Nothing inline: the Content-Security-Policy allows only files of the
 * site's own origin.
 */
export async function buildDashboard(): Promise<DashboardFiles> {
  const result = await build({
    entryPoints: { app: join(appDirectory, 'main.tsx'), style: join(appDirectory, 'styles.css') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome120', 'firefox120', 'safari17'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    write: false,
    outdir: '/',
    logLevel: 'silent',
  });
  const files: DashboardFiles = new Map();
  const named = (output: { path: string; contents: Uint8Array }, type: string): string => {
    const body = Buffer.from(output.contents);
    const extension = output.path.slice(output.path.lastIndexOf('.'));
    const path = `/${output.path.slice(output.path.lastIndexOf('/') + 1, -extension.length)}-${contentHash(body)}${extension}`;
    files.set(path, { body, contentType: type, cacheControl: assetCacheControl });
    return path;
  };
  const script = result.outputFiles.find((file) => file.path.endsWith('/app.js'));
  const style = result.outputFiles.find((file) => file.path.endsWith('/style.css'));
  if (!script || !style) throw new Error('the dashboard build produced no app.js or style.css');
  const scriptPath = named(script, 'text/javascript; charset=utf-8');
  const stylePath = named(style, 'text/css; charset=utf-8');
  const page = readFileSync(join(appDirectory, 'index.html'), 'utf8')
    .replace('/app.js', scriptPath)
    .replace('/style.css', stylePath);
  if (!page.includes(scriptPath) || !page.includes(stylePath)) {
    throw new Error('index.html must load /app.js and /style.css');
  }
  files.set('/index.html', {
    body: Buffer.from(page),
    contentType: 'text/html; charset=utf-8',
    cacheControl: pageCacheControl,
  });
  return files;
}

/** Writes a build to a directory, as the stack uploads it to the site's bucket. */
export function writeDashboard(files: DashboardFiles, directory: string): void {
  for (const [path, file] of files) {
    const target = join(directory, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.body);
  }
}
