import { organizationAdvisories } from '../shared/organization-advisories.ts';
import { httpRoute, json } from './lib/http.ts';
import { readVulnerabilities } from './stores/advisory-store.ts';
import { authenticate } from './stores/api-key-store.ts';
import { readOrganizationItems } from './stores/organization-store.ts';

/** GET /v1/advisories: the advisories that affect what the organization runs, newest first. */
export const handler = httpRoute(async (event) => {
  const key = await authenticate(event, 'read');
  const { findings } = await readOrganizationItems(key.org);
  const open = findings.filter((finding) => finding.status === 'open');
  const vulnerabilities = await readVulnerabilities([
    ...new Set(open.map((finding) => finding.vulnerability)),
  ]);
  return json(200, { advisories: organizationAdvisories(vulnerabilities, open, new Date()) });
});
