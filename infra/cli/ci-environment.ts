import { readFileSync } from 'node:fs';

/**
 * Where a CI job's commit sits, from the variables GitHub Actions and GitLab CI set: the repository,
 * the commit scanned (a pull request's head, not the merge commit GitHub checks out), its ref, and for
 * a pull request its number and base commit.
 */
export interface CiContext {
  repository?: string;
  commit_sha?: string;
  ref?: string;
  pull_request?: number;
  base_sha?: string;
  default_branch?: string;
}

type Environment = Record<string, string | undefined>;

interface GitHubEvent {
  pull_request?: { number?: number; head?: { sha?: string }; base?: { sha?: string } };
  repository?: { default_branch?: string };
}

const present = (value: string | undefined): string | undefined => (value ? value : undefined);

function gitHubEvent(path: string | undefined): GitHubEvent {
  if (!path) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as GitHubEvent;
  } catch {
    return {};
  }
}

function gitHubActions(env: Environment): CiContext {
  const event = gitHubEvent(env.GITHUB_EVENT_PATH);
  const pullRequest = event.pull_request;
  return {
    repository: present(env.GITHUB_REPOSITORY),
    commit_sha: pullRequest?.head?.sha ?? present(env.GITHUB_SHA),
    ref: present(env.GITHUB_REF),
    pull_request: pullRequest?.number,
    base_sha: pullRequest?.base?.sha,
    default_branch: event.repository?.default_branch,
  };
}

function gitLabCi(env: Environment): CiContext {
  const mergeRequest = present(env.CI_MERGE_REQUEST_IID);
  return {
    repository: present(env.CI_PROJECT_PATH),
    // In a merged-results pipeline CI_COMMIT_SHA is the merge commit; the source branch's is the head.
    commit_sha: present(env.CI_MERGE_REQUEST_SOURCE_BRANCH_SHA) ?? present(env.CI_COMMIT_SHA),
    ref: present(env.CI_COMMIT_REF_NAME),
    pull_request: mergeRequest ? Number(mergeRequest) : undefined,
    base_sha: present(env.CI_MERGE_REQUEST_DIFF_BASE_SHA),
    default_branch: present(env.CI_DEFAULT_BRANCH),
  };
}

export function ciContext(env: Environment): CiContext {
  if (env.GITHUB_ACTIONS === 'true') return gitHubActions(env);
  if (env.GITLAB_CI === 'true') return gitLabCi(env);
  return {};
}
