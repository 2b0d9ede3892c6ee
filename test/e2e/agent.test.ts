import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoints } from '../../infra/local/local-stack.ts';
import { eventually } from '../support/eventually.ts';
import { nodeArguments, root, startStackProcess } from '../support/stack-process.ts';

/**
 * The Elixir agent, end to end: `mix run --no-halt` in agent/ runs the agent on its own against the
 * local stack that `npm start` runs, and a lookup by the OTP release, by kernel's version and by the
 * Elixir version finds the instance, with what that VM really runs.
 */

const agentDir = join(root, 'agent');
const sobelowSarif = join(root, '..', 'shared', 'scans', 'sobelow', 'insecure-phoenix.sarif');
const mixAuditJson = join(root, '..', 'shared', 'scans', 'mix_audit', 'insecure-phoenix.json');
const run = promisify(execFile);

const installed = (command: string) => spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0;
const hasElixir = installed('elixir') && installed('mix');

/**
 * The shell's environment without anything that could point the agent elsewhere, or make its scan
 * upload read this run's own CI.
 */
function agentEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const environment = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(MUSTER_|https?_proxy$|GITHUB_|GITLAB_CI$|CI_)/i.test(name),
    ),
  );
  return { ...environment, MIX_ENV: 'dev', no_proxy: '127.0.0.1,localhost', ...extra };
}

let dataDir: string | undefined;
let api: string | undefined;
let stack: ChildProcess | undefined;
let agent: ChildProcess | undefined;

/** The environment of the local stack and of the CLI that talks to it. */
const stackEnvironment = () => ({
  ...process.env,
  MUSTER_DATA_DIR: dataDir,
  MUSTER_PORT: '0',
  MUSTER_DEMO: '0',
});

async function stop(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  child.kill(signal);
  await exited;
}

async function startStack(): Promise<Endpoints> {
  dataDir = mkdtempSync(join(tmpdir(), 'muster-agent-e2e-'));
  const started = await startStackProcess(stackEnvironment());
  stack = started.child;
  return started.endpoints;
}

async function createKey(scope: 'ingest' | 'read' | 'ci'): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [...nodeArguments, 'infra/cli/muster.ts', 'keys', 'create', '--org', 'e2e-agent', '--scope', scope],
    { cwd: root, env: stackEnvironment() },
  );
  return stdout.trim().split('\n').pop()!;
}

interface Match {
  app: string;
  environment: string;
  instance_count: number;
  instances: { instance: string; version: string }[];
}

async function lookup(api: string, key: string, name: string, version: string): Promise<Match[]> {
  const response = await fetch(`${api}/v1/lookup?package=${name}&version=${encodeURIComponent(version)}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { matches: Match[] }).matches;
}

afterAll(async () => {
  await stop(agent, 'SIGTERM');
  await stop(stack, 'SIGINT');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe.skipIf(!hasElixir)(
  hasElixir ? 'the Elixir agent' : 'the Elixir agent (skipped: elixir or mix is not installed)',
  () => {
    /** What the VM runs, asked of Elixir itself rather than of the agent. */
    let runtime: { otp: string; kernel: string; elixir: string };

    beforeAll(async () => {
      await run('mix', ['compile'], { cwd: agentDir, env: agentEnvironment({}) });
      const { stdout } = await run(
        'elixir',
        [
          '-e',
          `major = List.to_string(:erlang.system_info(:otp_release))
           otp = File.read!(Path.join([List.to_string(:code.root_dir()), "releases", major, "OTP_VERSION"]))
           IO.puts(Enum.join([String.trim(otp), Application.spec(:kernel, :vsn), System.version()], " "))`,
        ],
        { env: agentEnvironment({}) },
      );
      const [otp, kernel, elixir] = stdout.trim().split('\n').pop()!.split(' ') as [string, string, string];
      runtime = { otp, kernel, elixir };
    }, 180_000);

    it('reports the running VM to the local stack, where lookups find it', async () => {
      expect(runtime.otp).toMatch(/^\d+\.\d+/);
      ({ api } = await startStack());
      const ingestKey = await createKey('ingest');
      const readKey = await createKey('read');

      const reporter = spawn('mix', ['run', '--no-halt'], {
        cwd: agentDir,
        env: agentEnvironment({
          MUSTER_API_KEY: ingestKey,
          MUSTER_ENDPOINT: api,
          MUSTER_APP: 'demo',
          MUSTER_ENVIRONMENT: 'staging',
          MUSTER_INTERVAL: '2',
        }),
      });
      agent = reporter;
      let agentOutput = '';
      reporter.stdout.on('data', (chunk) => {
        agentOutput += chunk;
      });
      reporter.stderr.on('data', (chunk) => {
        agentOutput += chunk;
      });

      const byOtp = await eventually(async () => {
        const found = await lookup(api!, readKey, 'otp', runtime.otp);
        expect(found, `no instance yet; the agent said:\n${agentOutput}`).toHaveLength(1);
        return found;
      }, 30_000);

      expect(byOtp[0]).toMatchObject({ app: 'demo', environment: 'staging' });
      const [instance] = byOtp[0]!.instances;
      expect(byOtp[0]).toMatchObject({ version: runtime.otp, instance_count: 1 });
      expect(instance).toMatchObject({ version: runtime.otp });
      // Erlang's host name stops at the first dot.
      expect(instance!.instance.startsWith(`demo@${hostname().split('.')[0]}#`)).toBe(true);

      for (const [name, version] of [
        ['kernel', runtime.kernel],
        ['elixir', runtime.elixir],
      ] as const) {
        const matches = await lookup(api!, readKey, name, version);
        expect(matches.map((match) => [match.app, match.environment])).toEqual([['demo', 'staging']]);
        expect(matches[0]!.instances).toEqual([
          expect.objectContaining({ instance: instance!.instance, version }),
        ]);
      }

      expect(agentOutput).toContain('Muster agent reporting demo (staging)');
      expect(agentOutput).not.toMatch(/\[(warning|error)\]/);
      await stop(reporter, 'SIGTERM');
    });

    it.skipIf(!existsSync(sobelowSarif) || !existsSync(mixAuditJson))(
      'uploads CI’s reports with mix muster.scan, a large one through a presigned upload',
      async () => {
        expect(api, 'the first test starts the stack and the app-environment').toBeDefined();
        const ciKey = await createKey('ci');
        const readKey = await createKey('read');
        const scratch = mkdtempSync(join(tmpdir(), 'muster-scan-e2e-'));
        const large = join(scratch, 'sobelow.json');
        // A real-shaped Sobelow report larger than a request: it goes to S3 first.
        const findings = Array.from({ length: 1500 }, (_, i) => ({
          type: 'XSS.SendResp: XSS in `send_resp`',
          file: 'lib/demo_web/controllers/page_controller.ex',
          line: i + 1,
          variable: `v${i}_${'x'.repeat(800)}`,
        }));
        writeFileSync(
          large,
          JSON.stringify({
            findings: { high_confidence: findings, medium_confidence: [], low_confidence: [] },
          }),
        );
        const scan = (...args: string[]) =>
          run(
            'mix',
            [
              'muster.scan',
              '--app',
              'demo',
              '--commit',
              'ab12'.repeat(10),
              '--ref',
              'refs/heads/main',
              ...args,
            ],
            {
              cwd: agentDir,
              env: agentEnvironment({ MUSTER_API_KEY: ciKey, MUSTER_ENDPOINT: api! }),
            },
          );
        const first = await scan('--sobelow', sobelowSarif, '--mix-audit', mixAuditJson);
        expect(first.stdout).toMatch(/sobelow: 10 findings .*uploaded as/);
        expect(first.stdout).toMatch(/mix_audit: 14 findings .*uploaded as/);
        const scanTotal = async () => {
          const response = await fetch(`${api}/v1/apps/demo/staging`, {
            headers: { authorization: `Bearer ${readKey}` },
          });
          const counts = ((await response.json()) as { vulnerabilities: { scan: Record<string, number> } })
            .vulnerabilities.scan;
          return Object.values(counts).reduce((sum, count) => sum + count, 0);
        };
        await eventually(async () => expect(await scanTotal()).toBe(24), 30_000);
        const second = await scan('--sobelow', large);
        expect(second.stdout).toMatch(/sobelow: 1500 findings .*uploaded as/);
        // The default branch's latest Sobelow report replaces the first; mix_audit's stays.
        await eventually(async () => expect(await scanTotal()).toBe(1514), 30_000);
        rmSync(scratch, { recursive: true, force: true });
      },
      120_000,
    );
  },
);
