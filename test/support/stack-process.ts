import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Endpoints } from '../../infra/local/local-stack.ts';

/** `npm start` as its own process, as a user runs it, for the end-to-end tests. */

export const root = new URL('../..', import.meta.url).pathname;
export const nodeArguments = ['--disable-warning=ExperimentalWarning', '--import', 'tsx'];

export interface StackProcess {
  child: ChildProcess;
  /** What it printed up to "Press Ctrl-C to stop." */
  output: string;
  endpoints: Endpoints;
}

/** Starts the local stack on `environment` (its MUSTER_DATA_DIR) and waits until it serves. */
export async function startStackProcess(environment: NodeJS.ProcessEnv): Promise<StackProcess> {
  const child = spawn(process.execPath, [...nodeArguments, 'infra/local/start.ts'], {
    cwd: root,
    // No advisory feeds unless the test serves one: tests never reach the internet.
    env: { MUSTER_ADVISORY_SOURCES: '', ...environment },
  });
  let output = '';
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not come up:\n${output}`)), 60_000);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (output.includes('Press Ctrl-C to stop.')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
  });
  const endpoints = JSON.parse(
    readFileSync(join(environment.MUSTER_DATA_DIR!, 'endpoints.json'), 'utf8'),
  ) as Endpoints;
  return { child, output, endpoints };
}
