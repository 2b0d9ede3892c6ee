import * as z from 'zod';
import { advisoryIdSchema } from '../shared/advisory-id.ts';
import { parseAdvisorySources, sourceHealth } from '../shared/advisory-sources.ts';
import { NotFoundError } from '../shared/errors.ts';
import { organizationAdvisories } from '../shared/organization-advisories.ts';
import { parseOrThrow } from '../shared/validation.ts';
import { type HttpEvent, httpRoute, json } from './lib/http.ts';
import { readSourceStates } from './stores/advisory-source-store.ts';
import { readVulnerabilities, readVulnerability } from './stores/advisory-store.ts';
import { readOrganizationItems } from './stores/organization-store.ts';
import { authenticate } from './use-cases/authenticate.ts';

const advisoryPathSchema = z.object({ id: advisoryIdSchema });

/** GET /v1/advisories: the advisories that affect what the organization runs, newest first. */
async function listAdvisories(org: string) {
  const { findings } = await readOrganizationItems(org);
  const open = findings.filter((finding) => finding.status === 'open');
  const vulnerabilities = await readVulnerabilities([
    ...new Set(open.map((finding) => finding.vulnerability)),
  ]);
  return json(200, { advisories: organizationAdvisories(vulnerabilities, open, new Date()) });
}

/** GET /v1/advisories/{id}: one advisory (public data) by any of its ids, in any case, with all of them. */
async function showAdvisory(event: HttpEvent) {
  const { id } = parseOrThrow(advisoryPathSchema, event.pathParameters ?? {}, 'path');
  const vulnerability = await readVulnerability(id);
  if (!vulnerability) throw new NotFoundError(`no advisory ${id} has been imported`);
  return json(200, { advisory: { ...vulnerability, ids: [vulnerability.id, ...vulnerability.aliases] } });
}

/**
 * GET /v1/advisories/sources: each configured source with how fresh what Muster holds of it is.
 * Advisories are public and shared, so every organization's read key sees the same answer.
 */
async function listSources() {
  const sources = parseAdvisorySources(process.env.ADVISORY_SOURCES ?? '');
  const states = await readSourceStates();
  const now = new Date();
  return json(200, {
    sources: sources.map(({ id, kind }) => {
      const state = states.get(id);
      return {
        source: id,
        kind,
        status: sourceHealth(state, now),
        records: state?.records ?? 0,
        last_success_at: state?.last_success_at ?? null,
        last_attempt_at: state?.last_attempt_at ?? null,
        last_error: state?.last_error ?? null,
        rejected: state?.rejected ?? [],
      };
    }),
  });
}

export const handler = httpRoute(async (event) => {
  const key = await authenticate(event, 'read');
  if (event.routeKey === 'GET /v1/advisories/sources') return listSources();
  return event.pathParameters?.id === undefined ? listAdvisories(key.org) : showAdvisory(event);
});
