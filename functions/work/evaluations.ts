import { evaluationRequestSchema } from '../../shared/evaluation-request.ts';
import { messageBody } from '../lib/queue.ts';
import { evaluateAppEnvironment } from '../use-cases/evaluate-app-environment.ts';
import { eachRecord } from './work-handler.ts';

/** Evaluations of one batch run side by side, each with its own concurrent writes. */
export const evaluationConcurrency = 10;

/** Each message asks for one app-environment's evaluation (a re-match fans out through these). */
export const evaluateAppEnvironments = eachRecord(evaluationConcurrency, async (record) => {
  const { org, app, environment } = evaluationRequestSchema.parse(await messageBody(record.body));
  await evaluateAppEnvironment(org, app, environment);
});
