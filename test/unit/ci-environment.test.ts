import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ciContext } from '../../infra/cli/ci-environment.ts';
import { findingsAtOrAbove } from '../../infra/cli/scan-upload.ts';

const head = 'a'.repeat(40);
const base = 'b'.repeat(40);
const merge = 'c'.repeat(40);

function eventFile(event: object): string {
  const path = join(mkdtempSync(join(tmpdir(), 'muster-ci-')), 'event.json');
  writeFileSync(path, JSON.stringify(event));
  return path;
}

describe('ciContext', () => {
  it('reads a GitHub pull request’s head and base from the event, not the merge commit', () => {
    const context = ciContext({
      GITHUB_ACTIONS: 'true',
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_SHA: merge,
      GITHUB_REF: 'refs/pull/7/merge',
      GITHUB_EVENT_PATH: eventFile({
        pull_request: { number: 7, head: { sha: head }, base: { sha: base } },
        repository: { default_branch: 'trunk' },
      }),
    });
    expect(context).toEqual({
      repository: 'acme/shop',
      commit_sha: head,
      ref: 'refs/pull/7/merge',
      pull_request: 7,
      base_sha: base,
      default_branch: 'trunk',
    });
  });

  it('reads a GitHub push', () => {
    const context = ciContext({
      GITHUB_ACTIONS: 'true',
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_SHA: head,
      GITHUB_REF: 'refs/heads/main',
      GITHUB_EVENT_PATH: eventFile({ repository: { default_branch: 'main' } }),
    });
    expect(context).toMatchObject({ commit_sha: head, ref: 'refs/heads/main', default_branch: 'main' });
    expect(context.pull_request).toBeUndefined();
  });

  it('reads a GitLab merge request pipeline, preferring the source branch’s commit', () => {
    const context = ciContext({
      GITLAB_CI: 'true',
      CI_PROJECT_PATH: 'acme/platform/shop',
      CI_COMMIT_SHA: merge,
      CI_MERGE_REQUEST_SOURCE_BRANCH_SHA: head,
      CI_COMMIT_REF_NAME: 'feature/cart',
      CI_MERGE_REQUEST_IID: '12',
      CI_MERGE_REQUEST_DIFF_BASE_SHA: base,
      CI_DEFAULT_BRANCH: 'main',
    });
    expect(context).toEqual({
      repository: 'acme/platform/shop',
      commit_sha: head,
      ref: 'feature/cart',
      pull_request: 12,
      base_sha: base,
      default_branch: 'main',
    });
  });

  it('says nothing outside CI', () => {
    expect(ciContext({ GITHUB_SHA: head })).toEqual({});
  });
});

describe('findingsAtOrAbove', () => {
  it('adds up the counts from the most severe down to the level', () => {
    const counts = { critical: 1, high: 2, medium: 4, low: 8 };
    expect(findingsAtOrAbove(counts, 'critical')).toBe(1);
    expect(findingsAtOrAbove(counts, 'high')).toBe(3);
    expect(findingsAtOrAbove(counts, 'low')).toBe(15);
  });
});
