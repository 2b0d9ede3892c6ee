import { request } from './api.ts';
import type { Justification, SuppressionState } from './api-types.ts';

/** Suppressing a finding of an app-environment, and lifting it (admin). */

const path = (app: string, environment: string, id: string): string =>
  `/v1/apps/${encodeURIComponent(app)}/${encodeURIComponent(environment)}/findings/${encodeURIComponent(id)}/suppression`;

export interface SuppressionInput {
  reason: string;
  author: string;
  expires_at: string;
  state: SuppressionState;
  /** Only with `not_affected`, which requires one. */
  justification?: Justification;
}

export const suppressFinding = (app: string, environment: string, id: string, input: SuppressionInput) =>
  request<unknown>('POST', path(app, environment, id), { body: input });

export const liftSuppression = (app: string, environment: string, id: string) =>
  request<unknown>('DELETE', path(app, environment, id));

/** The API's states (CycloneDX names) in words, in the order the form offers them. */
export const stateLabels: Record<SuppressionState, string> = {
  exploitable: 'Risk accepted',
  not_affected: 'Not affected',
  false_positive: 'False positive',
};

/** Why an app is not affected, in words, in the order the form offers them. */
export const justificationLabels: Record<Justification, string> = {
  code_not_present: 'Vulnerable code not present',
  code_not_reachable: 'Vulnerable code not reachable',
  requires_configuration: 'Needs a configuration not in use',
  requires_dependency: 'Needs a dependency not present',
  requires_environment: 'Needs an environment not present',
  protected_by_compiler: 'Protected by the compiler',
  protected_at_runtime: 'Protected at runtime',
  protected_at_perimeter: 'Protected at the perimeter',
  protected_by_mitigating_control: 'Protected by a mitigating control',
};

/**
 * A suppression's analysis in words: "Not affected: vulnerable code not reachable". One stored before
 * states existed has none and accepted the risk.
 */
export function analysisText(suppression: {
  state?: SuppressionState;
  justification?: Justification;
}): string {
  const state = stateLabels[suppression.state ?? 'exploitable'];
  return suppression.justification
    ? `${state}: ${justificationLabels[suppression.justification].toLowerCase()}`
    : state;
}
