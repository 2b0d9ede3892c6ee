import * as z from 'zod';

/** An `evaluation` on the work queue: evaluate this app-environment's findings and usage rows again. */
export const evaluationRequestSchema = z.object({
  org: z.string().min(1),
  app: z.string().min(1),
  environment: z.string().min(1),
});

export type EvaluationRequest = z.infer<typeof evaluationRequestSchema>;
