import { execFile } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { consumedQueues, type FunctionName, functions, schedules } from '../../shared/resources.ts';

/**
 * Each function bundled as the stack bundles it (ES module, minified, Node 22, the AWS SDK left to the
 * Lambda runtime), and its cold initialization: a fresh Node process importing the bundle and running
 * one invocation, clients created, against the local servers.
 */

const root = new URL('../..', import.meta.url).pathname;

/** Inside the project, so that a bundle's imports of the AWS SDK resolve to the project's node_modules. */
const bundleDirectory = join(root, 'node_modules', '.cache', 'muster-bench');

export async function bundleFunctions(): Promise<Record<FunctionName, string>> {
  const directory = bundleDirectory;
  const files = {} as Record<FunctionName, string>;
  for (const definition of Object.values(functions)) {
    const outfile = join(directory, `${definition.name}.mjs`);
    await build({
      entryPoints: [join(root, definition.entry)],
      outfile,
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'node',
      target: 'node22',
      mainFields: ['module', 'main'],
      external: ['@aws-sdk/*'],
      banner: {
        js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
      logLevel: 'silent',
    });
    files[definition.name] = outfile;
  }
  return files;
}

export const sizeKb = (file: string): number => statSync(file).size / 1024;

/** An event each function can answer at once: a request without a key, an empty batch, a schedule. */
function firstEvent(name: FunctionName): unknown {
  if (consumedQueues().some((queue) => queue.consumer === name)) return { Records: [] };
  if (schedules.some((schedule) => schedule.function === name)) return {};
  return {
    version: '2.0',
    routeKey: 'GET /health',
    rawPath: '/health',
    rawQueryString: '',
    headers: {},
    requestContext: { http: { method: 'GET', path: '/health' }, requestId: 'bench', routeKey: 'GET /health' },
    isBase64Encoded: false,
  };
}

/**
 * Milliseconds from a new process's start to the end of its first invocation, the median of `runs`.
 * Asynchronous on purpose: the local servers the invocation calls run in this process.
 */
export async function coldInitMs(
  file: string,
  name: FunctionName,
  environment: NodeJS.ProcessEnv,
  runs = 5,
): Promise<number> {
  const script = join(bundleDirectory, `cold-${name}.mjs`);
  writeFileSync(
    script,
    `const start = performance.now();
const { handler } = await import(${JSON.stringify(file)});
await handler(${JSON.stringify(firstEvent(name))}, { functionName: ${JSON.stringify(name)}, awsRequestId: 'bench', getRemainingTimeInMillis: () => 30000 });
process.stdout.write(String(performance.now() - start));`,
  );
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    const { stdout } = await promisify(execFile)(process.execPath, [script], { cwd: root, env: environment });
    samples.push(Number(stdout));
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
}
