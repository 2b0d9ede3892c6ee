import { randomUUID } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchesIamPattern } from '../../infra/constructs/iam-pattern.ts';
import { MusterStack } from '../../infra/muster-stack.ts';
import {
  type FunctionName,
  functions,
  payloadBucket,
  queues,
  type UploadKind,
  uploadKinds,
} from '../../shared/resources.ts';

/**
 * The key under which the code puts a large upload's claim check, against the grants of the
 * synthesized template: its producer may put it, the work consumer may get it, and no other function
 * may put it. On AWS the queue's name is generated, so the key must owe nothing to it.
 */

const s3 = mockClient(S3Client);
const sqs = mockClient(SQSClient);

// A queue as CloudFormation names it, generated from the stack and the construct.
const generatedQueueName = 'Muster-WorkQueueAD162499-Ab12Cd34Ef56';
const queueUrlBefore = process.env[queues.work.urlEnv];
process.env[queues.work.urlEnv] = `https://sqs.eu-west-1.amazonaws.com/123456789012/${generatedQueueName}`;
const { enqueueUpload } = await import('../../functions/lib/queue.ts');

let template: Template;

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new MusterStack(app, 'Muster', {
    summaryFrom: 'muster@example.com',
    advisorySources: [],
    dashboard: new Map([
      ['/index.html', { body: Buffer.from(''), contentType: 'text/html', cacheControl: 'no-cache' }],
    ]),
  });
  template = Template.fromStack(stack);
  s3.on(PutObjectCommand).resolves({});
  sqs.on(SendMessageCommand).resolves({ MessageId: 'sent' });
});

afterAll(() => {
  s3.restore();
  sqs.restore();
  process.env[queues.work.urlEnv] = queueUrlBefore;
});

type Resource = { Properties: Record<string, unknown> };
type Statement = { Action: string | string[]; Resource: unknown };

const pascal = (name: string) => name.replace(/(^|-)([a-z])/g, (_, __, l: string) => l.toUpperCase());

function resourcesOf(type: string): [string, Resource][] {
  return Object.entries(template.findResources(type) as Record<string, Resource>);
}

function payloadBucketId(): string {
  const found = resourcesOf('AWS::S3::Bucket').filter(([id]) => id.startsWith('Payloads'));
  expect(found).toHaveLength(1);
  return found[0]![0];
}

/** A resource of a statement as IAM sees it, the payload bucket's ARN written out for this bucket name. */
function resolve(value: unknown, bucketName: string): string {
  if (typeof value === 'string') return value;
  const { 'Fn::Join': join, 'Fn::GetAtt': attribute } = value as {
    'Fn::Join'?: [string, unknown[]];
    'Fn::GetAtt'?: [string, string];
  };
  if (join) return join[1].map((part) => resolve(part, bucketName)).join(join[0]);
  if (attribute?.[0] === payloadBucketId() && attribute[1] === 'Arn') return `arn:aws:s3:::${bucketName}`;
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

/** The object ARNs that a function's role may act on with the action, as IAM patterns. */
function grants(name: FunctionName, action: 's3:PutObject' | 's3:GetObject', bucketName: string): string[] {
  const roleId = resourcesOf('AWS::IAM::Role').find(([id]) => id.startsWith(`${pascal(name)}Role`))?.[0];
  expect(roleId, name).toBeDefined();
  return resourcesOf('AWS::IAM::Policy')
    .filter(([, policy]) => JSON.stringify(policy.Properties.Roles).includes(roleId!))
    .flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
    .filter((statement) => [statement.Action].flat().includes(action))
    .flatMap((statement) => [statement.Resource].flat().map((resource) => resolve(resource, bucketName)));
}

/** The bucket name the stack tells a function, which must be the bucket its grants name. */
function bucketOf(name: FunctionName): unknown {
  const [, lambda] = resourcesOf('AWS::Lambda::Function').find(([id]) =>
    id.startsWith(`${pascal(name)}Function`),
  )!;
  return (lambda.Properties.Environment as { Variables: Record<string, unknown> }).Variables[
    payloadBucket.envVariable
  ];
}

/** What the code puts in the bucket for a claim-checked upload of the kind, and what the queue carries. */
async function claimCheck(kind: UploadKind): Promise<{ bucket: string; key: string; queued: unknown }> {
  s3.resetHistory();
  sqs.resetHistory();
  const id = randomUUID();
  const large = { id, org: 'acme', padding: 'x'.repeat(payloadBucket.claimCheckThresholdBytes) };
  await enqueueUpload(kind, id, large);
  const puts = s3.commandCalls(PutObjectCommand);
  expect(puts).toHaveLength(1);
  const { Bucket, Key } = puts[0]!.args[0].input;
  const sent = sqs.commandCalls(SendMessageCommand);
  expect(sent).toHaveLength(1);
  return { bucket: Bucket!, key: Key!, queued: JSON.parse(sent[0]!.args[0].input.MessageBody!) };
}

const producersOf = (kind: UploadKind) =>
  Object.values(functions).filter((definition) => definition.sendsWork?.includes(kind));

describe('claim checks', () => {
  it('are uploaded by each kind’s producer only, and read by the work consumer', async () => {
    expect(producersOf('heartbeat').map(({ name }) => name)).toEqual(['ingest-heartbeat']);
    expect(producersOf('scan').map(({ name }) => name)).toEqual(['ingest-scan']);
    const readers = Object.values(functions).filter((definition) => definition.readsPayloads);
    expect(readers.map(({ name }) => name)).toEqual(['process-work']);
    for (const kind of uploadKinds) {
      const { bucket, key, queued } = await claimCheck(kind);
      expect(bucket).toBe(process.env[payloadBucket.envVariable]);
      expect(queued).toEqual({ kind, claim_check: { key } });
      expect(key).not.toContain(generatedQueueName);
      const object = `arn:aws:s3:::${bucket}/${key}`;
      for (const definition of Object.values(functions)) {
        const mayPut = grants(definition.name, 's3:PutObject', bucket).some((grant) =>
          matchesIamPattern(grant, object),
        );
        expect(mayPut, `${definition.name} puts ${key}`).toBe(definition.sendsWork?.includes(kind) === true);
      }
      for (const reader of readers) {
        expect(
          grants(reader.name, 's3:GetObject', bucket).some((grant) => matchesIamPattern(grant, object)),
          `${reader.name} gets ${key}`,
        ).toBe(true);
        expect(bucketOf(reader.name)).toEqual({ Ref: payloadBucketId() });
      }
      for (const producer of producersOf(kind))
        expect(bucketOf(producer.name)).toEqual({ Ref: payloadBucketId() });
    }
  });

  it('stay on the queue itself below the threshold', async () => {
    s3.resetHistory();
    sqs.resetHistory();
    await enqueueUpload('heartbeat', 'small', { id: 'small', org: 'acme' });
    expect(s3.commandCalls(PutObjectCommand)).toEqual([]);
    expect(JSON.parse(sqs.commandCalls(SendMessageCommand)[0]!.args[0].input.MessageBody!)).toEqual({
      kind: 'heartbeat',
      id: 'small',
      org: 'acme',
    });
  });
});
