import { describe, expect, it } from 'vitest';
import type { Suppression } from '../../shared/entities/finding.ts';
import { ValidationError } from '../../shared/errors.ts';
import {
  justifications,
  parseSuppression,
  suppressionAnalysis,
  suppressionStates,
} from '../../shared/suppression.ts';
import { cyclonedxDefinitions } from '../support/cyclonedx.ts';

/** A suppression's impact analysis: accepted risk, not affected and why, or a false positive. */

const now = new Date('2026-11-30T08:00:00Z');
const request = (fields: object) => ({
  reason: 'Only reachable from the VPN',
  author: 'ana@acme.example',
  expires_at: '2026-12-31T00:00:00Z',
  ...fields,
});

function rejection(body: unknown): { field: string; reason: string } {
  try {
    parseSuppression(body, now);
  } catch (error) {
    if (error instanceof ValidationError) return { field: error.field, reason: error.reason };
    throw error;
  }
  throw new Error('accepted');
}

describe('a suppression request', () => {
  it('without a state accepts the risk, as suppressions did before states existed', () => {
    expect(parseSuppression(request({}), now)).toEqual({
      reason: 'Only reachable from the VPN',
      author: 'ana@acme.example',
      expires_at: '2026-12-31T00:00:00.000Z',
      state: 'exploitable',
    });
  });

  it('takes every state, with a justification for not_affected alone', () => {
    expect(parseSuppression(request({ state: 'exploitable' }), now)).toMatchObject({ state: 'exploitable' });
    expect(parseSuppression(request({ state: 'false_positive' }), now)).not.toHaveProperty('justification');
    for (const justification of justifications) {
      expect(parseSuppression(request({ state: 'not_affected', justification }), now)).toMatchObject({
        state: 'not_affected',
        justification,
      });
    }
  });

  it('refuses a state or a justification outside CycloneDX 1.6, naming the field and the values', () => {
    expect(rejection(request({ state: 'resolved' }))).toEqual({
      field: 'state',
      reason: 'must be one of exploitable, not_affected, false_positive',
    });
    expect(rejection(request({ state: 'Not_Affected', justification: 'code_not_present' }))).toMatchObject({
      field: 'state',
    });
    expect(rejection(request({ state: 'not_affected', justification: 'unreachable' }))).toEqual({
      field: 'justification',
      reason: expect.stringContaining('code_not_reachable'),
    });
    expect(rejection(request({ state: 'not_affected', justification: 3 }))).toMatchObject({
      field: 'justification',
    });
  });

  it('requires a justification for not_affected and refuses one with any other state', () => {
    expect(rejection(request({ state: 'not_affected' }))).toEqual({
      field: 'justification',
      reason: 'is required when state is not_affected',
    });
    for (const state of ['exploitable', 'false_positive', undefined]) {
      expect(rejection(request({ state, justification: 'code_not_present' }))).toEqual({
        field: 'justification',
        reason: 'is allowed only when state is not_affected',
      });
    }
  });
});

describe('suppressionAnalysis', () => {
  const stored: Suppression = {
    reason: 'Only reachable from the VPN',
    author: 'ana@acme.example',
    created_at: '2026-11-30T08:00:00.000Z',
    expires_at: '2026-12-31T00:00:00.000Z',
  };

  it('reads a suppression stored before states existed as an accepted risk', () => {
    expect(suppressionAnalysis(stored)).toEqual({ state: 'exploitable' });
  });

  it('gives the state, and the justification of not_affected', () => {
    expect(suppressionAnalysis({ ...stored, state: 'false_positive' })).toEqual({ state: 'false_positive' });
    expect(
      suppressionAnalysis({ ...stored, state: 'not_affected', justification: 'protected_at_perimeter' }),
    ).toEqual({ state: 'not_affected', justification: 'protected_at_perimeter' });
  });

  it('names states and justifications as the official CycloneDX 1.6 schema does', () => {
    // Resolved and in-triage describe no suppression: a resolved finding is fixed, one in triage not decided.
    expect(cyclonedxDefinitions.impactAnalysisState?.enum).toEqual(
      expect.arrayContaining([...suppressionStates]),
    );
    expect(justifications).toEqual(cyclonedxDefinitions.impactAnalysisJustification?.enum);
  });
});
