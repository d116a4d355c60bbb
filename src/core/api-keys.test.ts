import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { decideApiKey, keysFileOf, parseApiKey, parseKeysFile } from './api-keys.ts';

const hash = (secret: string) => createHash('sha256').update(secret).digest('hex');
const equal = (a: string, b: string) => a === b;
const secret = 'a'.repeat(43);
const key = (id: string) => `tyk_${id}_${secret}`;
const stored = (id: string, target: string | null, revokedAt: number | null = null) =>
  ({ id, name: id, target, createdAt: 0, revokedAt, createdBy: 'admin', hash: hash(secret) });

describe('API keys', () => {
  const file = keysFileOf([stored('00000000000000aa', null), stored('00000000000000bb', 'chat'), stored('00000000000000cc', null, 5)]);

  it('the key file lists the keys in force only', () => {
    assert.deepEqual(file.keys.map((k) => k.id), ['00000000000000aa', '00000000000000bb']);
    assert.deepEqual(parseKeysFile(JSON.stringify(file)), file);
    assert.throws(() => parseKeysFile('{"version":1,"keys":[{"id":"x","hash":"nope","target":null}]}'), /keys\.0\.hash/);
    assert.throws(() => parseKeysFile('{'), /not JSON/);
  });

  it('parses tyk_<id>_<secret>', () => {
    assert.deepEqual(parseApiKey(key('00000000000000aa')), { id: '00000000000000aa', secret });
    assert.equal(parseApiKey('ty_00000000000000aa_x'), null);
  });

  it('allows a key in force for every target or its own; refuses the rest, saying why', () => {
    const decide = (auth: string | undefined, target = 'chat') => decideApiKey(auth, file, target, hash, equal);
    assert.deepEqual(decide(`Bearer ${key('00000000000000aa')}`), { ok: true, id: '00000000000000aa' });
    assert.deepEqual(decide(`Bearer ${key('00000000000000bb')}`), { ok: true, id: '00000000000000bb' });
    assert.match((decide(`Bearer ${key('00000000000000bb')}`, 'other') as { reason: string }).reason, /is for target "chat", not "other"/);
    assert.match((decide(`Bearer ${key('00000000000000cc')}`) as { reason: string }).reason, /unknown or revoked/);
    assert.match((decide(`Bearer tyk_00000000000000aa_${'b'.repeat(43)}`) as { reason: string }).reason, /unknown or revoked/);
    assert.match((decide(undefined) as { reason: string }).reason, /an API key is required/);
    assert.match((decide('Bearer ty_x_y') as { reason: string }).reason, /not an API key/);
  });
});
