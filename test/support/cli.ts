import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Endpoints } from '../../infra/local/local-stack.ts';
import { table } from '../../shared/resources.ts';
import { nodeArguments, root } from './stack-process.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Cli {
  /** `npm run muster -- ...` as an operator runs it, in a process of its own. */
  run(...args: string[]): Promise<CliResult>;
  /** Removes the data directory it found the servers through. */
  remove(): void;
}

/**
 * The CLI pointed at this test run's local servers and table, through an `endpoints.json` of its own as
 * `npm start` writes one; `queues` names the queues it may use.
 */
export function cliFor(
  servers: Pick<Endpoints, 'dynamodb' | 'sqs' | 's3' | 'ses'>,
  queues: Endpoints['queues'] = {},
): Cli {
  const dataDir = mkdtempSync(join(tmpdir(), 'muster-cli-'));
  const endpoints: Endpoints = {
    api: 'http://127.0.0.1:9',
    dynamodb: servers.dynamodb,
    sqs: servers.sqs,
    s3: servers.s3,
    ses: servers.ses,
    table: table.name,
    queues,
  };
  writeFileSync(join(dataDir, 'endpoints.json'), JSON.stringify(endpoints));
  return {
    async run(...args) {
      try {
        const { stdout, stderr } = await promisify(execFile)(
          process.execPath,
          [...nodeArguments, 'infra/cli/muster.ts', ...args],
          { cwd: root, env: { ...process.env, MUSTER_DATA_DIR: dataDir } },
        );
        return { code: 0, stdout, stderr };
      } catch (error) {
        const failed = error as CliResult;
        return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
      }
    },
    remove: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}
