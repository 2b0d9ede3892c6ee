import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import dynalite from 'dynalite';
import { startFauxqs } from 'fauxqs';

/** Wire-compatible stand-ins for the AWS services Muster uses, each listening on loopback. */
export interface LocalServers {
  dynamodb: string;
  /** fauxqs serves SQS and S3 on one address. */
  sqs: string;
  s3: string;
  ses: string;
  stop(): Promise<void>;
}

export interface LocalServerOptions {
  /** Persist DynamoDB and SQS state here; in memory when absent. */
  dataDir?: string;
  ports?: { dynamodb?: number; sqs?: number; ses?: number };
}

const host = '127.0.0.1';

// aws-ses-v2-local is CommonJS with its server as `exports.default`; requiring it reads the same in
// Node's loader and in the test runner's, which disagree on how to import such a default.
const { default: startSes } = createRequire(import.meta.url)(
  'aws-ses-v2-local',
) as typeof import('aws-ses-v2-local');

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

export async function startLocalServers({
  dataDir,
  ports = {},
}: LocalServerOptions = {}): Promise<LocalServers> {
  if (dataDir) mkdirSync(join(dataDir, 'sqs'), { recursive: true });
  const dynamo: Server = dynalite({
    path: dataDir ? join(dataDir, 'dynamodb') : undefined,
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  const dynamoPort = await listen(dynamo, ports.dynamodb ?? 0);
  const fauxqs = await startFauxqs({
    port: ports.sqs ?? 0,
    host: '127.0.0.1',
    logger: false,
    dataDir: dataDir ? join(dataDir, 'sqs') : undefined,
  });
  const ses = await startSes({ host, port: ports.ses ?? 0 });
  const sesPort = (ses.address() as AddressInfo).port;
  return {
    dynamodb: `http://${host}:${dynamoPort}`,
    sqs: `http://${host}:${fauxqs.port}`,
    s3: `http://${host}:${fauxqs.port}`,
    ses: `http://${host}:${sesPort}`,
    async stop() {
      ses.closeAllConnections();
      await Promise.all([close(dynamo), fauxqs.stop(), close(ses)]);
    },
  };
}
