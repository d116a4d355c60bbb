import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderTokens } from './tokens.ts';

const NOW = Date.UTC(2026, 11, 7, 12);
const HOUR = 3_600_000;

describe('renderTokens', () => {
  it('shows role, name, created, expires and last used; an expired token says so', () => {
    const text = renderTokens([
      { id: '0123456789abcdef', role: 'admin', name: null, createdAt: NOW - 48 * HOUR, expiresAt: null, lastUsedAt: NOW - 60_000 },
      { id: '1123456789abcdef', role: 'submit', name: 'alice', createdAt: NOW - 2 * HOUR, expiresAt: NOW + 30 * 24 * HOUR, lastUsedAt: null },
      { id: '2123456789abcdef', role: 'deploy', name: 'release', createdAt: NOW - 72 * HOUR, expiresAt: NOW - 3 * HOUR, lastUsedAt: NOW - 5 * HOUR },
    ], NOW);
    const [header, admin, submit, deploy] = text.trimEnd().split('\n');
    assert.match(header, /^ID\s+ROLE\s+NAME\s+CREATED\s+EXPIRES\s+LAST USED$/);
    assert.match(admin, /^0123456789abcdef\s+admin\s+-\s+2d ago\s+never\s+1m ago$/);
    assert.match(submit, /^1123456789abcdef\s+submit\s+alice\s+2h ago\s+in 30d\s+never$/);
    assert.match(deploy, /^2123456789abcdef\s+deploy\s+release\s+3d ago\s+expired 3h ago\s+5h ago$/);
  });

  it('says when there are none', () => {
    assert.equal(renderTokens([], NOW), 'no tokens\n');
  });
});
