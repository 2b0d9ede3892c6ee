import type { Heartbeat } from '../../shared/heartbeat.ts';
import { type OtpRelease, otpReleases } from './otp-releases.ts';

/**
 * A small fleet for a first look: a few apps in production and staging whose versions drift the way
 * real fleets do. It goes in through the real ingest API, like any agent's heartbeat.
 */

const [, otp26Release, otp27Release] = otpReleases as [OtpRelease, OtpRelease, OtpRelease];
const otp27 = { elixir: '1.17.3', otp: otp27Release.otp, erts: otp27Release.erts };
const otp26 = { elixir: '1.16.3', otp: otp26Release.otp, erts: otp26Release.erts };
const otp27Apps = otp27Release.apps;
const otp26Apps = otp26Release.apps;
const elixirApps = (version: string) => ({ elixir: version, logger: version, eex: version });

const phoenixApp = {
  phoenix: '1.7.14',
  phoenix_html: '4.1.1',
  phoenix_live_view: '0.20.17',
  phoenix_pubsub: '2.1.3',
  phoenix_template: '1.0.4',
  plug: '1.16.1',
  plug_crypto: '2.1.0',
  plug_cowboy: '2.7.1',
  cowboy: '2.12.0',
  cowlib: '2.13.0',
  ranch: '1.8.0',
  ecto: '3.11.2',
  ecto_sql: '3.11.3',
  postgrex: '0.18.0',
  db_connection: '2.7.0',
  decimal: '2.1.1',
  jason: '1.4.4',
  telemetry: '1.2.1',
  mime: '2.0.6',
  castore: '1.0.8',
  finch: '0.18.0',
  mint: '1.6.2',
  nimble_options: '1.1.1',
  swoosh: '1.16.9',
  gettext: '0.24.0',
};

const deps = (...sets: Record<string, string>[]) =>
  Object.entries(Object.assign({}, ...sets) as Record<string, string>).map(([name, version]) => ({
    name,
    version,
  }));

type DemoInstance = Omit<Heartbeat, 'sent_at'>;

function instance(
  app: string,
  environment: string,
  host: string,
  classification: Pick<Heartbeat, 'internet_facing' | 'handles_pii' | 'urls'>,
  runtime: Heartbeat['runtime'],
  dependencies: Heartbeat['deps'],
): DemoInstance {
  return {
    app,
    environment,
    instance: `${app}@${host}`,
    host,
    ...classification,
    runtime,
    release: { name: app, version: '1.4.0' },
    deps: dependencies,
    started_apps: dependencies.map((dependency) => dependency.name),
  };
}

const billing = { internet_facing: true, handles_pii: true, urls: ['https://billing.demo.example'] };
const storefront = { internet_facing: true, handles_pii: false, urls: ['https://shop.demo.example'] };
const backOffice = { internet_facing: false, handles_pii: true, urls: ['https://admin.demo.internal'] };
const worker = { internet_facing: false, handles_pii: false, urls: [] };

export const demoFleet: DemoInstance[] = [
  instance('billing', 'prod', 'web-1', billing, otp27, deps(otp27Apps, elixirApps('1.17.3'), phoenixApp)),
  instance('billing', 'prod', 'web-2', billing, otp27, deps(otp27Apps, elixirApps('1.17.3'), phoenixApp)),
  instance(
    'billing',
    'staging',
    'web-1',
    billing,
    otp27,
    deps(otp27Apps, elixirApps('1.17.3'), phoenixApp, { plug: '1.16.2', phoenix: '1.7.21' }),
  ),
  instance(
    'storefront',
    'prod',
    'web-1',
    storefront,
    otp26,
    deps(otp26Apps, elixirApps('1.16.3'), phoenixApp, {
      plug: '1.14.0',
      phoenix: '1.7.10',
      cowboy: '2.10.0',
    }),
  ),
  instance(
    'storefront',
    'prod',
    'web-2',
    storefront,
    otp26,
    deps(otp26Apps, elixirApps('1.16.3'), phoenixApp, {
      plug: '1.14.0',
      phoenix: '1.7.10',
      cowboy: '2.10.0',
    }),
  ),
  instance(
    'back-office',
    'prod',
    'app-1',
    backOffice,
    otp27,
    deps(otp27Apps, elixirApps('1.17.3'), phoenixApp),
  ),
  instance(
    'reports-worker',
    'staging',
    'worker-1',
    worker,
    otp26,
    deps(otp26Apps, elixirApps('1.16.3'), {
      oban: '2.17.12',
      ecto: '3.11.2',
      postgrex: '0.18.0',
      jason: '1.4.4',
    }),
  ),
];

/** A Sobelow report for the storefront, uploaded the way CI does. */
export const demoScan = {
  app: 'storefront',
  commit_sha: '4f1c2d9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e',
  ref: 'refs/heads/main',
  tool: 'sobelow',
  report: {
    findings: {
      high_confidence: [
        {
          type: 'Config.CSP: Missing Content-Security-Policy',
          file: 'lib/storefront_web/router.ex',
          line: 9,
        },
      ],
      medium_confidence: [
        {
          type: 'XSS.Raw: XSS',
          file: 'lib/storefront_web/components/product.ex',
          line: 41,
          variable: 'description',
        },
      ],
      low_confidence: [],
    },
  },
};
