import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { parseApiKey, parseKeysFile } from '../core/api-keys.ts';
import { issueApiKey } from './api-keys.ts';
import { keysFilePath, subscribeKeysFile, writeKeysFile } from './keys-file.ts';
import { createKit } from './test-kit.ts';

describe('the key file', () => {
  it('holds the hashes of the keys in force (0600), follows makes and revokes through the event log', async () => {
    const kit = await createKit({ start: false });
    const path = keysFilePath(kit.layout.root);
    assert.equal(await writeKeysFile(kit.store, path), 0);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    subscribeKeysFile({ store: kit.store, events: kit.control.events, path });
    kit.control.start();

    const issued = await issueApiKey(kit.store, { name: 'app', target: 'chat', by: 'admin' }, kit.now());
    const { id, secret } = parseApiKey(issued.key)!;
    const file = await kit.until(() => {
      const read = parseKeysFile(readFileSync(path, 'utf8'));
      return read.keys.length === 1 ? read : null;
    }, 'the new key in the file');
    assert.deepEqual(file.keys, [{ id, hash: createHash('sha256').update(secret).digest('hex'), target: 'chat' }]);
    assert.ok(!readFileSync(path, 'utf8').includes(secret), 'never the secret');

    await kit.store.revokeApiKey(id, 'admin', kit.now());
    await kit.until(() => parseKeysFile(readFileSync(path, 'utf8')).keys.length === 0, 'the revoked key gone from the file');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    await kit.close();
  });
});
