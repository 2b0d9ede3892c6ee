import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { capacityMeter } from './capacity-meter.ts';

const client = new DynamoDBClient({});

export const documents = DynamoDBDocumentClient.from(client, {
  marshallOptions: { removeUndefinedValues: true },
});

// Every call reports the request units it consumed, so cost is measured rather than estimated.
documents.middlewareStack.add(
  (next, context) => async (args) => {
    const input = args.input as { ReturnConsumedCapacity?: string };
    input.ReturnConsumedCapacity ??= 'TOTAL';
    const result = await next(args);
    const output = result.output as { ConsumedCapacity?: Parameters<typeof capacityMeter.record>[1] };
    capacityMeter.record(context.commandName ?? '', output.ConsumedCapacity);
    return result;
  },
  { step: 'initialize', name: 'consumedCapacityMeter' },
);
