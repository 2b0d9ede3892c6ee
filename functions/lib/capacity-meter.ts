import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';

/**
 * Request units consumed by DynamoDB calls in this process, as DynamoDB reports them
 * (ReturnConsumedCapacity). The benchmark reads it per operation; handlers log it per invocation.
 */
export class CapacityMeter {
  readUnits = 0;
  writeUnits = 0;

  record(command: string, consumed: ConsumedCapacity | ConsumedCapacity[] | undefined): void {
    const entries = consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed];
    const units = entries.reduce((sum, entry) => sum + (entry.CapacityUnits ?? 0), 0);
    if (writeCommands.has(command)) this.writeUnits += units;
    else this.readUnits += units;
  }

  reset(): void {
    this.readUnits = 0;
    this.writeUnits = 0;
  }

  snapshot(): { read_units: number; write_units: number } {
    return { read_units: this.readUnits, write_units: this.writeUnits };
  }
}

const writeCommands = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'PutCommand',
  'UpdateCommand',
  'DeleteCommand',
  'BatchWriteCommand',
]);

export const capacityMeter = new CapacityMeter();
