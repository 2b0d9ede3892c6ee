import { evaluationRequestSchema } from '../shared/evaluation-request.ts';
import { messageBody } from './lib/queue.ts';
import { sqsConsumer } from './lib/sqs-consumer.ts';
import { evaluateAppEnvironment } from './use-cases/evaluate-app-environment.ts';

/** Each message asks for one app-environment's evaluation (a re-match fans out through these). */
export const handler = sqsConsumer(async (record) => {
  const { org, app, environment } = evaluationRequestSchema.parse(await messageBody(record.body));
  await evaluateAppEnvironment(org, app, environment);
});
