import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { whyLeftOut } from './backup-contents.ts';

const sha = 'a'.repeat(64);
const facts = { datasetContents: new Set([sha]), checkpointPaths: ['jobs/1/checkpoints/step-10.pt', 'jobs/1/checkpoints/dir-20'] };
const kept = (path: string) => whyLeftOut(path, facts) === null;

describe('whyLeftOut', () => {
  it('keeps what the database names and the configuration', () => {
    for (const path of [`datasets/${sha}/train.jsonl`, 'jobs/1/checkpoints/step-10.pt', 'jobs/1/checkpoints/dir-20/model.bin', 'jobs/1/artifacts/abc', 'jobs/1/runs/1/log', 'automations.yaml', 'inbox.yaml', 'admin-token', 'deploy/keys.json', 'inbox/done/a.yaml']) {
      assert.ok(kept(path), path);
    }
  });

  it('leaves out live files, orphans and executor files, saying why', () => {
    assert.match(whyLeftOut('trainyard.db-wal', facts)!, /live database/);
    assert.match(whyLeftOut('server.lock', facts)!, /running server/);
    assert.match(whyLeftOut(`datasets/${'b'.repeat(64)}/x`, facts)!, /orphan/);
    assert.match(whyLeftOut('datasets/.incoming-1/x', facts)!, /in progress/);
    assert.match(whyLeftOut('jobs/1/checkpoints/step-30.pt', facts)!, /no record/);
    assert.match(whyLeftOut('jobs/1/checkpoints/dir-2', facts)!, /no record/);
    assert.match(whyLeftOut('jobs/1/runs/1/pid', facts)!, /executor/);
    assert.match(whyLeftOut('jobs/1/spool/0001.json', facts)!, /spool/);
  });
});
