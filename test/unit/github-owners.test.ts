import { describe, expect, it } from 'vitest';
import { gitHubOwnerKey } from '../../shared/entities/github-owner.ts';
import { ValidationError } from '../../shared/errors.ts';
import { gitHubOwner, ownerOfRepository } from '../../shared/github-owners.ts';

describe('gitHubOwner', () => {
  it('takes a GitHub account name and lower-cases it, as GitHub compares them without case', () => {
    expect(gitHubOwner('Acme-Corp')).toBe('acme-corp');
    expect(gitHubOwner('b')).toBe('b');
    expect(gitHubOwner('a1-b2-c3')).toBe('a1-b2-c3');
    expect(gitHubOwner('x'.repeat(39))).toBe('x'.repeat(39));
  });

  it('refuses what GitHub does not allow, naming the owner and the rule', () => {
    for (const name of [
      '',
      '-acme',
      'acme-',
      'ac--me',
      'ac_me',
      'ac.me',
      'acme/shop',
      'ac me',
      'acmé',
      'x'.repeat(40),
      'GITHUB_OWNER#acme',
    ]) {
      expect(() => gitHubOwner(name), name).toThrow(ValidationError);
    }
    expect(() => gitHubOwner('ac_me')).toThrow(
      'owner: "ac_me" is not a GitHub account name: 1-39 letters, digits and single hyphens, neither first nor last',
    );
  });
});

describe('ownerOfRepository', () => {
  it('is the lower-cased account of owner/name', () => {
    expect(ownerOfRepository('B-Corp/payments')).toBe('b-corp');
    expect(ownerOfRepository('acme/shop.ex')).toBe('acme');
  });
});

describe('gitHubOwnerKey', () => {
  it('is one item per account, whatever the case it is written in', () => {
    expect(gitHubOwnerKey('B-Corp')).toEqual({ pk: 'GITHUB_OWNER#b-corp', sk: 'GITHUB_OWNER' });
    expect(gitHubOwnerKey('b-corp')).toEqual(gitHubOwnerKey('B-CORP'));
  });
});
