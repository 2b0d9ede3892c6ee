import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { type FunctionName, functions } from '../../shared/resources.ts';

// biome-ignore lint/suspicious/noExplicitAny: each function has its own event and result types
export type LambdaHandler = (event: any, context: Context) => Promise<any>;

const loaded = new Map<FunctionName, Promise<LambdaHandler>>();

/**
 * The handler of a function, imported from the same source file that the stack bundles. Imported on
 * first use, after the local AWS environment is set, because handlers read it when they load.
 */
export function loadHandler(name: FunctionName): Promise<LambdaHandler> {
  let handler = loaded.get(name);
  if (!handler) {
    const url = new URL(`../../${functions[name].entry}`, import.meta.url);
    handler = import(url.href).then((module: { handler: LambdaHandler }) => module.handler);
    loaded.set(name, handler);
  }
  return handler;
}

/** The parts of a Lambda context that handlers and Powertools read. */
export function lambdaContext(name: FunctionName): Context {
  const definition = functions[name];
  const deadline = Date.now() + definition.timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `muster-${name}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:muster-${name}`,
    memoryLimitInMB: String(definition.memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/muster-${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Invokes a function as Lambda would, failing the invocation when it runs past its timeout. */
export async function invoke<T>(name: FunctionName, event: unknown): Promise<T> {
  const handler = await loadHandler(name);
  const timeoutMs = functions[name].timeoutSeconds * 1000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`muster-${name} timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([handler(event, lambdaContext(name)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
