import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { DeployTargetSpec, SmokeCheck } from '../../../core/deployment.ts';
import type { DeployVersion, TargetContext } from '../../target.ts';
import { runTargetContract } from '../contract.ts';
import { startReloadServer } from '../http-reload/reload-server.fixture.ts';
import { commandTarget } from './index.ts';

const smoke: SmokeCheck = { prompt: 'Once', expect: { contains: 'once upon', minLength: 8 } };
const root = realpathSync(mkdtempSync(join(tmpdir(), 'trainyard-command-')));
after(() => rmSync(root, { recursive: true, force: true }));

function spec(config: Record<string, unknown>): DeployTargetSpec {
  return { name: 'script', kind: 'command', model: 'chat', alias: 'production', config, smoke, watch: { windowSeconds: 0, intervalSeconds: 5, maxErrorRate: 0, maxLatencyMs: null } };
}

function version(n: number, dir: string): DeployVersion {
  const path = join(dir, `weights-v${n}.txt`);
  writeFileSync(path, `v${n}: once upon a time`);
  return { model: 'chat', version: n, checkpointId: 10 + n, path, step: 100 * n, metadata: { job: 3, tags: ['a'] } };
}

/** A user's deploy script: keeps staged copies and the serving one in $STATE. */
const SCRIPT = `#!/bin/sh
set -e
case "$TRAINYARD_DEPLOY_STEP" in
  stage)  mkdir -p "$STATE/staged"; cp "$TRAINYARD_DEPLOY_PATH" "$STATE/staged/v$TRAINYARD_DEPLOY_VERSION" ;;
  check)  cat "$STATE/staged/v$TRAINYARD_DEPLOY_VERSION"; echo ;;
  switch) cp "$STATE/staged/v$TRAINYARD_DEPLOY_VERSION" "$STATE/serving" ;;
  retire) rm -f "$STATE/staged/v$TRAINYARD_DEPLOY_VERSION" ;;
  *)      echo "unknown step $TRAINYARD_DEPLOY_STEP" >&2; exit 64 ;;
esac
`;

function script(name: string, text: string): string {
  const path = join(root, name);
  writeFileSync(path, text);
  chmodSync(path, 0o755);
  return path;
}

const state = join(root, 'state');
mkdirSync(state);
const deployScript = script('deploy.sh', SCRIPT);
runTargetContract('command', {
  create: (context) => commandTarget.create(spec({ command: [deployScript], env: { STATE: state } }), context),
  version, smoke,
  serving: async () => {
    try {
      return Number(/^v(\d+):/.exec(readFileSync(join(state, 'serving'), 'utf8'))?.[1]);
    } catch {
      return null;
    }
  },
});

describe('command', () => {
  let dirs = 0;
  const context = (): TargetContext => ({ dir: mkdirSync(join(root, `t${++dirs}`), { recursive: true })!, dataDir: root, log: () => {} });
  const target = (config: Record<string, unknown>) => commandTarget.create(spec(config), context());
  const v1 = () => version(1, root);

  it('refuses a config naming the field', () => {
    assert.throws(() => commandTarget.parseConfig({}), { message: 'config.command: is required (expected an array)' });
    assert.throws(() => commandTarget.parseConfig({ command: [] }), { message: /^config\.command: expected at least the program to run/ });
    assert.throws(() => commandTarget.parseConfig({ command: ['x'], cwd: 'rel' }), { message: 'config.cwd: expected an absolute path, got the string "rel"' });
    assert.throws(() => commandTarget.parseConfig({ command: ['x'], probe: { baseUrl: 'nope' } }), { message: /^config\.probe\.baseUrl: expected an http/ });
  });

  it('gives the script the step and the version in its environment (not the server\'s TRAINYARD_ variables), in cwd', async () => {
    const out = join(root, 'env.json');
    const dump = script('dump.sh', `#!/bin/sh\nnode -e 'const e = process.env; require("fs").writeFileSync(process.argv[1], JSON.stringify({cwd: process.cwd(), ...Object.fromEntries(Object.entries(e).filter(([k]) => k.startsWith("TRAINYARD_") || k === "EXTRA"))}))' "$1"\n`);
    const v = v1();
    process.env.TRAINYARD_TOKEN = 'the server\'s own';
    try {
      await target({ command: [dump, out], cwd: root, env: { EXTRA: 'x', TRAINYARD_DEPLOY_STEP: 'overridden?' } }).stage(v);
    } finally {
      delete process.env.TRAINYARD_TOKEN;
    }
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), {
      cwd: root, EXTRA: 'x',
      TRAINYARD_DEPLOY_STEP: 'stage', TRAINYARD_DEPLOY_TARGET: 'script', TRAINYARD_DEPLOY_MODEL: 'chat', TRAINYARD_DEPLOY_VERSION: '1',
      TRAINYARD_DEPLOY_PATH: v.path, TRAINYARD_DEPLOY_CHECKPOINT: '11', TRAINYARD_DEPLOY_TRAINING_STEP: '100',
      TRAINYARD_DEPLOY_METADATA: '{"job":3,"tags":["a"]}',
    });
  });

  it('names the step, the exit code and the last lines of stderr when the script fails', async () => {
    const failing = script('fail.sh', '#!/bin/sh\nfor i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo "line $i" >&2; done\nexit 3\n');
    const v = v1();
    await assert.rejects(target({ command: [failing] }).switch(v), (error: Error & { step?: string }) => {
      assert.equal(error.step, 'switch');
      const lines = Array.from({ length: 10 }, (_, i) => `  line ${i + 3}`).join('\n');
      assert.equal(error.message, `switch: the script exited with code 3; the last lines of its stderr:\n${lines} (version 1, ${v.path})`);
      return true;
    });
    const checked = await target({ command: [failing] }).check(v, smoke);
    assert.equal(checked.ok, false);
    assert.match(checked.detail, /^check: the script exited with code 3; the last lines of its stderr:\n {2}line 3\n/);
  });

  it('says when the script cannot be run, or runs past its deadline', async () => {
    await assert.rejects(target({ command: [join(root, 'no-such-script')] }).stage(v1()), { message: /^stage: cannot run ".*no-such-script": spawn .*no-such-script ENOENT/ });
    const slow = script('slow.sh', '#!/bin/sh\necho starting >&2\nsleep 30 & wait\n');
    await assert.rejects(target({ command: [slow], timeoutSeconds: 0.3 }).retire(v1()), {
      message: /^retire: the script did not finish within 0\.3 s and was killed; the last lines of its stderr:\n {2}starting \(version 1, /,
    });
  });

  it('judges what the check step prints, and reports nothing serving before a switch', async () => {
    const t = target({ command: [deployScript], env: { STATE: join(root, 'judge') } });
    const v = v1();
    await t.stage(v);
    const checked = await t.check(v, { prompt: 'Once', expect: { minLength: 100 } });
    assert.deepEqual([checked.ok, checked.detail, checked.text], [false, 'smoke: answer "v1: once upon a time" has 20 characters, expected at least 100', 'v1: once upon a time']);
    assert.deepEqual([(await t.probe(smoke)).ok, await t.current()], [false, null]);
  });

  it('checks and probes the configured server instead of the script', async () => {
    const server = await startReloadServer();
    try {
      const v = v1();
      await fetch(server.url, { method: 'POST', body: JSON.stringify({ version: 1, path: v.path }) });
      const never = script('never.sh', '#!/bin/sh\n[ "$TRAINYARD_DEPLOY_STEP" = check ] && exit 9\nexit 0\n');
      const t = target({ command: [never], probe: { baseUrl: server.baseUrl } });
      assert.equal((await t.check(v, smoke)).detail, 'smoke: answer "v1: once upon a time" (20 characters) as expected');
      await t.switch(v);
      assert.equal((await t.probe(smoke)).ok, true);
    } finally {
      await server.close();
    }
  });
});

describe('command with the server\'s base environment', () => {
  it('starts the script from context.baseEnv', async () => {
    const dir = join(root, 'base-env');
    mkdirSync(dir);
    const out = join(root, 'base-env.txt');
    const t = commandTarget.create(spec({ command: ['/bin/sh', '-c', `echo "$FROM_SERVER/$TRAINYARD_DEPLOY_STEP" > ${out}`] }), {
      dir, dataDir: root, log: () => {}, baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin', FROM_SERVER: 'yes' },
    });
    await t.retire(version(1, root));
    assert.equal(readFileSync(out, 'utf8'), 'yes/retire\n');
  });
});
