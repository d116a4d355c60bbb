import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../core/errors.ts';
import type { Job, TokenRole, TokenScope } from '../core/types.ts';
import type { StoredToken } from '../store/store.ts';
import { hashSecret, mintToken } from '../control/tokens.ts';
import { authenticate, authorize, authorizeRequest, LAST_USED_RESOLUTION_MS, type Access, type AccessFacts } from './auth.ts';

const run = (upstreamJobIds?: number[]): TokenScope => ({ role: 'run', runId: 7, jobId: 3, ...(upstreamJobIds ? { upstreamJobIds } : {}) });
const person = (role: TokenRole): TokenScope => ({ role, runId: null, jobId: null });
const allowed = (scope: TokenScope, access: Access, facts?: AccessFacts) => {
  try {
    authorize(scope, access, facts);
    return true;
  } catch (error) {
    assert.ok(error instanceof ForbiddenError);
    return false;
  }
};
const job = (jobId: number, write = false): Access => ({ kind: 'job', jobId, write });

describe('authorize', () => {
  // Every role against every kind of access. A submit token here writes a job it submitted
  // (callerId = jobCreatedBy); the case of another token's job follows.
  const ME = 'aaaaaaaaaaaaaaaa';
  const own = { callerId: ME, jobCreatedBy: ME };
  const accesses: ReadonlyArray<[string, Access]> = [
    ['admin', { kind: 'admin' }],
    ['read', { kind: 'read' }],
    ['submit', { kind: 'submit' }],
    ['deploy', { kind: 'deploy' }],
    ['job read', job(3)],
    ['own job write', job(3, true)],
    ['run', { kind: 'run', runId: 7 }],
  ];
  const table: Record<TokenRole, string[]> = {
    admin: ['admin', 'read', 'submit', 'deploy', 'job read', 'own job write', 'run'],
    submit: ['read', 'submit', 'job read', 'own job write'],
    deploy: ['read', 'deploy', 'job read'],
    read: ['read', 'job read'],
    run: ['job read', 'run'],
  };
  for (const [role, may] of Object.entries(table) as [TokenRole, string[]][]) {
    it(`lets ${role === 'admin' ? 'an' : 'a'} ${role} token do ${may.join(', ')} and nothing else`, () => {
      const scope = role === 'run' ? run() : person(role);
      for (const [name, access] of accesses) {
        assert.equal(allowed(scope, access, own), may.includes(name), `${role} × ${name}`);
      }
    });
  }

  it("refuses a submit token another token's job, and a job the server made, naming the job and the token", () => {
    const submit = person('submit');
    assert.equal(allowed(submit, job(3, true), { callerId: ME, jobCreatedBy: 'bbbbbbbbbbbbbbbb' }), false);
    assert.equal(allowed(submit, job(3, true), { callerId: ME, jobCreatedBy: null }), false);
    assert.equal(allowed(submit, job(3, true), { callerId: null, jobCreatedBy: null }), false, 'an unknown caller owns nothing');
    assert.throws(() => authorize(submit, job(3, true), { callerId: ME, jobCreatedBy: null }), {
      message: `a submit token may change only the jobs it submitted: job 3 was not submitted by token ${ME}`,
    });
  });

  it('says what a refused route needs', () => {
    assert.throws(() => authorize(person('read'), { kind: 'deploy' }), { message: 'a read token may not do this: it needs an admin or deploy token' });
    assert.throws(() => authorize(person('deploy'), { kind: 'submit' }), { message: 'a deploy token may not do this: it needs an admin or submit token' });
    assert.throws(() => authorize(person('deploy'), job(3, true)), { message: 'a deploy token may not do this: it needs an admin token, or the submit token that submitted job 3' });
  });

  it('lets a run token read its own job and report for its own run only', () => {
    assert.equal(allowed(run(), job(3)), true);
    assert.equal(allowed(run(), job(3, true)), false);
    assert.equal(allowed(run(), job(4)), false);
    assert.equal(allowed(run(), { kind: 'run', runId: 8 }), false);
  });

  it("lets a run token read its job's upstream jobs, and nothing more of them", () => {
    const scope = run([1, 2]);
    assert.equal(allowed(scope, job(1)), true);
    assert.equal(allowed(scope, job(2)), true);
    assert.equal(allowed(scope, job(1, true)), false, 'reading only');
    assert.equal(allowed(scope, job(5)), false, 'not a job it does not wait on');
    assert.equal(allowed(run([]), job(1)), false);
  });
});

describe('authorizeRequest', () => {
  const jobs = new Map<number, Pick<Job, 'createdByToken'>>([[1, { createdByToken: 'aaaaaaaaaaaaaaaa' }], [2, { createdByToken: null }]]);
  let reads = 0;
  const store = { getJob: async (id: number) => (reads++, (jobs.get(id) as Job | undefined) ?? null) };

  it("reads who submitted the job only for a submit token's job write", async () => {
    reads = 0;
    await authorizeRequest(store, person('submit'), 'aaaaaaaaaaaaaaaa', job(1, true));
    await assert.rejects(authorizeRequest(store, person('submit'), 'aaaaaaaaaaaaaaaa', job(2, true)), ForbiddenError);
    await assert.rejects(authorizeRequest(store, person('submit'), 'aaaaaaaaaaaaaaaa', job(9, true)), NotFoundError);
    assert.equal(reads, 3);
    await authorizeRequest(store, person('admin'), 'cccccccccccccccc', job(2, true));
    await authorizeRequest(store, person('submit'), 'aaaaaaaaaaaaaaaa', job(2));
    await assert.rejects(authorizeRequest(store, person('read'), 'cccccccccccccccc', job(1, true)), ForbiddenError);
    assert.equal(reads, 3, 'no read for the others');
  });
});

describe('authenticate', () => {
  const NOW = Date.UTC(2026, 11, 7, 12);
  function storeWith(token: Partial<StoredToken> & { id: string; secret: string }) {
    const touches: number[] = [];
    const row: StoredToken = { secretHash: hashSecret(token.secret), scope: token.scope ?? person('read'), expiresAt: token.expiresAt ?? null, lastUsedAt: token.lastUsedAt ?? null };
    return {
      touches,
      store: {
        findToken: async (id: string) => (id === token.id ? row : null),
        touchToken: async (_id: string, now: number) => (touches.push(now), true),
      },
    };
  }
  const minted = mintToken();
  const secret = minted.token.slice(20);

  it('answers who the token is, and refuses an expired one naming it and when', async () => {
    const { store } = storeWith({ id: minted.id, secret, expiresAt: NOW + 1000 });
    assert.deepEqual(await authenticate(store, `Bearer ${minted.token}`, NOW), { scope: person('read'), tokenId: minted.id });
    await assert.rejects(authenticate(store, `Bearer ${minted.token}`, NOW + 1000), (error: unknown) => {
      assert.ok(error instanceof UnauthorizedError);
      assert.equal(error.message, `token ${minted.id} expired at ${new Date(NOW + 1000).toISOString()}`);
      return true;
    });
    const wrong = `ty_${minted.id}_${'x'.repeat(43)}`;
    await assert.rejects(authenticate(store, `Bearer ${wrong}`, NOW + 1000), { message: 'unknown or revoked token' }, 'only the holder learns it expired');
  });

  it('records the last use at most once a minute, and never for run tokens', async () => {
    const fresh = storeWith({ id: minted.id, secret, lastUsedAt: NOW - 10_000 });
    await authenticate(fresh.store, `Bearer ${minted.token}`, NOW);
    assert.deepEqual(fresh.touches, [], 'used 10 s ago: no write');
    const stale = storeWith({ id: minted.id, secret, lastUsedAt: NOW - LAST_USED_RESOLUTION_MS });
    await authenticate(stale.store, `Bearer ${minted.token}`, NOW);
    assert.deepEqual(stale.touches, [NOW]);
    const runToken = storeWith({ id: minted.id, secret, scope: run() });
    await authenticate(runToken.store, `Bearer ${minted.token}`, NOW);
    assert.deepEqual(runToken.touches, []);
  });
});
