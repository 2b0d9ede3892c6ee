/**
 * How long a re-match concerning many app-environments takes in AWS, from what the benchmark measured
 * and the published scaling of Lambda's SQS event source (docs.aws.amazon.com/lambda/latest/dg/
 * services-sqs-scaling.html): five concurrent batches at first, up to 300 more per minute, at most 1,000.
 * Each assumption is a parameter, stated in the report.
 */
export interface RematchModelInput {
  appEnvironments: number;
  /** Bytes a re-match reads per app-environment it concerns: its usage rows and its finding. */
  bytesPerAppEnvironment: number;
  /** One 1 MB Query page, DynamoDB to Lambda in one region. */
  msPerMegabytePage: number;
  /** One SendMessageBatch of ten, and how many the re-match keeps in flight. */
  msPerSendBatch: number;
  sendConcurrency: number;
  /** One evaluation, for the case where every app-environment concerned changes. */
  msPerEvaluation: number;
  batchSize: number;
  /** Evaluations of one batch that the consumer runs side by side. */
  inBatchConcurrency: number;
}

export interface RematchModel {
  /** Reading rows and findings, one page after another (the worst case: one partition). */
  readSeconds: number;
  /** Asking for every evaluation, ten to a request. */
  fanOutSeconds: number;
  /** The evaluations, as Lambda scales its pollers up. */
  evaluateSeconds: number;
}

export function rematchModel(input: RematchModelInput): RematchModel {
  const pages = Math.ceil((input.appEnvironments * input.bytesPerAppEnvironment) / 1e6);
  const readSeconds = (pages * input.msPerMegabytePage) / 1000;
  const fanOutSeconds =
    (Math.ceil(input.appEnvironments / 10 / input.sendConcurrency) * input.msPerSendBatch) / 1000;
  const batchSeconds = (Math.ceil(input.batchSize / input.inBatchConcurrency) * input.msPerEvaluation) / 1000;
  let remaining = input.appEnvironments;
  let seconds = 0;
  // One-second steps: concurrent batches grow by five a second (300 a minute) up to 1,000.
  while (remaining > 0) {
    const concurrency = Math.min(1000, 5 + 5 * seconds);
    remaining -= (concurrency * input.batchSize) / batchSeconds;
    seconds++;
  }
  return { readSeconds, fanOutSeconds, evaluateSeconds: seconds };
}
