import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Endpoints } from '../../infra/local/local-stack.ts';

/** `npm start` as its own process, as a user runs it, for the end-to-end tests. */

export const root = new URL('../..', import.meta.url).pathname;
export const nodeArguments = ['--disable-warning=ExperimentalWarning', '--import', 'tsx'];

export interface StackProcess {
  child: ChildProcess;
  /** What it printed up to "Press Ctrl-C to stop." */
  output: string;
  /** Everything it has printed so far. */
  log(): string;
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
  const startup = output;
  return { child, output: startup, endpoints, log: () => output };
}

/** Stops it with `signal`; resolves once it has exited, with its exit code (null when the signal ended it). */
export function stopStackProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill(signal);
  return exited;
}

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/**
 * A MUSTER_PORT whose next three ports are free as well, so that a stack restarted on it has the same
 * addresses. It lies below Linux's ephemeral range (from 32768), from which the servers that other
 * tests start on port 0 draw theirs, so none of them takes it while the stack is down.
 */
export async function freeStackPort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + 4 * Math.floor(Math.random() * 3000);
    const free = await Promise.all([0, 1, 2, 3].map((offset) => portFree(port + offset)));
    if (free.every(Boolean)) return port;
  }
  throw new Error('no four consecutive free ports between 20000 and 32000');
}
