import { request } from './api.ts';

/** Suppressing a finding of an app-environment, and lifting it (admin). */

const path = (app: string, environment: string, id: string): string =>
  `/v1/apps/${encodeURIComponent(app)}/${encodeURIComponent(environment)}/findings/${encodeURIComponent(id)}/suppression`;

export interface SuppressionInput {
  reason: string;
  author: string;
  expires_at: string;
}

export const suppressFinding = (app: string, environment: string, id: string, input: SuppressionInput) =>
  request<unknown>('POST', path(app, environment, id), { body: input });

export const liftSuppression = (app: string, environment: string, id: string) =>
  request<unknown>('DELETE', path(app, environment, id));
