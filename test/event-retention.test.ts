/**
 * Retention of old events and logs through a real server (docs/operations.md#retention), with
 * ages of a second so its timer runs within the test: a finished job's events go once every
 * subscriber handled them, its long log is trimmed to the tail, and `trainyard doctor` shows
 * the event table. (That new events and an event a subscriber has not handled stay is tested
 * exactly, with a fake clock and a subscriber held on purpose, in src/operations/retention.test.ts.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cliJson, REPO, runCli, useServer, waitFor, waitForJob } from './harness.ts';

describe('event and log retention', () => {
  const server = useServer({ env: { TRAINYARD_EVENT_RETENTION: '1s', TRAINYARD_LOG_RETENTION: '1s', TRAINYARD_RETENTION_INTERVAL: '1s' } });

  it('deletes a finished job\'s delivered events and trims its log, and the doctor shows the table', async () => {
    // 100,000 lines of 20 bytes: about 2 MB of log.
    const command = ['sh', '-c', 'i=0; while [ $i -lt 100000 ]; do echo "line $i of the log"; i=$((i+1)); done'];
    const { body: job } = await server().api('/api/v1/jobs', { body: { name: 'noisy', command, cwd: REPO } });
    await waitForJob(server(), job.id, ['succeeded']);
    const events = async () => (await server().api(`/api/v1/events?job=${job.id}`)).body.events as Array<{ type: string }>;

    await waitFor(async () => (await events()).length === 0, { timeoutMs: 60_000, what: `the events of job ${job.id} to be deleted` });
    const log = await waitFor(async () => {
      const { body } = await server().api(`/api/v1/jobs/${job.id}/log`);
      return typeof body === 'string' && body.startsWith('[trainyard] log trimmed by retention') ? body : null;
    }, { timeoutMs: 60_000, what: `the log of job ${job.id} to be trimmed` });
    assert.ok(log.length < 70_000, `trimmed to its last 64 KiB, not ${log.length} bytes`);
    assert.ok(log.endsWith('line 99999 of the log\n'));
    assert.match(log.split('\n')[1], /^line \d+ of the log$/);

    const doctor = cliJson(await runCli(['doctor', '--json'], { dataDir: server().dataDir, env: { TRAINYARD_EVENT_RETENTION: '1s' } }));
    const line = doctor.findings.find((f: { check: string }) => f.check === 'events');
    // By now retention may have taken the newer events too.
    assert.match(line.message, /^(no events|\d+ events?, the oldest #\d+ from \d{4}-\d\d-\d\dT.*\(\d+ s ago\)); retention keeps 1 s$/);
  });
});
