import { payloadBucket } from '../../shared/resources.ts';

/** The payload bucket's name, as the stack or the local mode sets it for the functions that use it. */
export function payloadBucketName(): string {
  const name = process.env[payloadBucket.envVariable];
  if (!name) throw new Error(`environment variable ${payloadBucket.envVariable} is not set`);
  return name;
}
