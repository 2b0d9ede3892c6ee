import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from '../../functions/lib/dynamodb.ts';
import { table } from '../../shared/resources.ts';

/**
 * DynamoDB's limits as AWS measures them. dynalite counts a string's UTF-16 code units where DynamoDB
 * counts its UTF-8 bytes, so locally a key or an item of three- and four-byte characters passes at up
 * to three times the size that AWS refuses; these let a test hold the local table to AWS's measure.
 */
export const dynamoLimits = { partitionKeyBytes: 2048, sortKeyBytes: 1024, itemBytes: 400 * 1024 } as const;

const keyAttributes = [
  [table.partitionKey, dynamoLimits.partitionKeyBytes],
  [table.sortKey, dynamoLimits.sortKeyBytes],
  ...table.indexes.flatMap((index) => [
    [index.partitionKey, dynamoLimits.partitionKeyBytes] as const,
    [index.sortKey, dynamoLimits.sortKeyBytes] as const,
  ]),
] as const;

/** A value's size as DynamoDB bills and limits it: UTF-8 for names and strings, digits for numbers. */
export function dynamoBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') {
    const digits = String(Math.abs(value)).replace(/e.*$/, '').replace(/\D/g, '').replace(/^0+/, '');
    return Math.ceil(digits.length / 2) + 1;
  }
  if (typeof value === 'boolean' || value === null) return 1;
  if (value instanceof Set || Array.isArray(value))
    return 3 + [...value].reduce((sum: number, element) => sum + 1 + dynamoBytes(element), 0);
  if (typeof value === 'object')
    return Object.entries(value as object).reduce(
      (sum, [name, element]) => sum + 1 + Buffer.byteLength(name) + dynamoBytes(element),
      3,
    );
  return 0;
}

/** An item's size: its attributes' names and values, without the map overhead of a nested value. */
export const itemBytes = (item: object): number => dynamoBytes(item) - 3 - Object.keys(item).length;

/** What AWS would refuse in an item or key: a key attribute or the item too large, as it measures them. */
export function limitProblem(item: object, whole: boolean): string | undefined {
  for (const [name, limit] of keyAttributes) {
    const value = (item as Record<string, unknown>)[name];
    if (typeof value === 'string' && Buffer.byteLength(value) > limit)
      return `${name} of ${Buffer.byteLength(value)} bytes is over DynamoDB's ${limit}`;
  }
  if (whole && itemBytes(item) > dynamoLimits.itemBytes)
    return `an item of ${itemBytes(item)} bytes is over DynamoDB's ${dynamoLimits.itemBytes}`;
  return undefined;
}

interface WriteInput {
  Item?: Record<string, unknown>;
  Key?: Record<string, unknown>;
  ExclusiveStartKey?: Record<string, unknown>;
  /** A BatchWrite's requests, or a BatchGet's keys (which are not checked). */
  RequestItems?: Record<string, { PutRequest?: { Item: Record<string, unknown> } }[] | object>;
}

/**
 * Makes every call of the functions' document client refuse, as DynamoDB does, an item or key too large
 * in UTF-8, with DynamoDB's ValidationException: a test then sees the failure that AWS would give.
 */
export function enforceDynamoLimits(): void {
  documents.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as WriteInput;
      const puts = [
        ...(input.Item ? [input.Item] : []),
        ...Object.values(input.RequestItems ?? {}).flatMap((requests) =>
          Array.isArray(requests)
            ? requests.flatMap((request) => (request.PutRequest ? [request.PutRequest.Item] : []))
            : [],
        ),
      ];
      const problem =
        puts.map((item) => limitProblem(item, true)).find(Boolean) ??
        [input.Key, input.ExclusiveStartKey].map((key) => key && limitProblem(key, false)).find(Boolean);
      if (problem) throw Object.assign(new Error(problem), { name: 'ValidationException' });
      return next(args);
    },
    { step: 'initialize', name: 'awsSizeLimits' },
  );
}

/** Every item whose partition key names the organization, as stored now. */
export async function organizationItems(org: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new ScanCommand({
        TableName: table.name,
        FilterExpression: 'contains(pk, :org)',
        ExpressionAttributeValues: { ':org': org },
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}
