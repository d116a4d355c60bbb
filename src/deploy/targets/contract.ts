/**
 * The contract every deploy target keeps, as a node:test suite, run by each kind's test against
 * a real backend (a fixture server, a script, the builtin serving process):
 * `runTargetContract('http-reload', { create, version, smoke })`. The cases go through the
 * `DeployTarget` interface only, in the order a deployer drives it, and share one target: v1 is
 * deployed, then v2, then broken versions must be refused without v2 ceasing to serve, then v1
 * comes back by a switch (a revert), and a fresh instance over the same folder (a restarted
 * server) must report what serves.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it as test } from 'node:test';
import type { SmokeCheck } from '../../core/deployment.ts';
import type { DeployTarget, DeployVersion, TargetContext } from '../target.ts';

export interface TargetContractOptions {
  /**
   * The target under test. `context.dir` is the same folder on every call: a call after the
   * first stands for the same target in a restarted server.
   */
  create(context: TargetContext): DeployTarget;
  /**
   * Version `n` (1, 2 and 3 are asked for) of the target's model, its files written under `dir`
   * (a fresh folder each call). Each version should answer the smoke prompt differently.
   */
  version(n: number, dir: string): DeployVersion | Promise<DeployVersion>;
  /** A smoke check that versions 1 to 3 all pass. */
  readonly smoke: SmokeCheck;
  /** A version that cannot be loaded. Default: version 4 whose path does not exist. */
  broken?(dir: string): DeployVersion | Promise<DeployVersion>;
  /**
   * true: `stage` makes the version serve (http-reload has no separate staging), so after a
   * refused version the suite switches back to the serving one, as the deployer does. Default false.
   */
  readonly servesOnStage?: boolean;
  /**
   * The version the backend really serves, asked of the backend rather than through the
   * target's record (vllm-lora: what the adapter `target.servingName()` names answers). Optional.
   */
  serving?(target: DeployTarget): Promise<number | null>;
  /** How long one case may take. Default: 30 s. */
  readonly timeoutMs?: number;
}

/** A smoke expectation no answer meets. */
const NEVER = '\u2063never answered\u2063';

export function runTargetContract(name: string, options: TargetContractOptions): void {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'trainyard-target-')));
  const context: TargetContext = { dir: join(root, 'deploy', name), dataDir: root, log: (line) => logged.push(line) };
  const logged: string[] = [];
  const opened: DeployTarget[] = [];
  const versions: DeployVersion[] = [];
  let folders = 0;
  let target: DeployTarget;

  const folder = () => {
    folders += 1;
    const dir = join(root, 'versions', String(folders));
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  const fresh = async (): Promise<DeployTarget> => {
    mkdirSync(context.dir, { recursive: true });
    const t = options.create(context);
    opened.push(t);
    await t.open();
    return t;
  };
  const version = async (n: number): Promise<DeployVersion> => {
    versions[n] ??= await options.version(n, folder());
    return versions[n];
  };
  const failingSmoke = (): SmokeCheck => ({ ...options.smoke, expect: { ...options.smoke.expect, contains: NEVER } });
  /** Deploys as the deployer does, each step twice where it must be idempotent. */
  const deploy = async (v: DeployVersion) => {
    await target.stage(v);
    await target.stage(v);
    const checked = await target.check(v, options.smoke);
    assert.equal(checked.ok, true, `check of version ${v.version}: ${checked.detail}`);
    await target.switch(v);
    await target.switch(v);
  };
  const assertServes = async (t: DeployTarget, n: number) => {
    assert.deepEqual(await t.current(), { model: (await version(1)).model, version: n }, 'current()');
    const probed = await t.probe(options.smoke);
    assert.equal(probed.ok, true, `probe while version ${n} serves: ${probed.detail}`);
    assert.ok(probed.latencyMs >= 0, 'latencyMs');
    if (options.serving) assert.equal(await options.serving(t), n, 'the version the backend serves');
  };
  /** After a refused version: what a deployer does to keep the serving one. */
  const keepServing = async (n: number) => {
    if (options.servesOnStage) await target.switch(await version(n));
    await assertServes(target, n);
  };

  const it = (title: string, fn: () => Promise<void>) => test(title, fn);

  describe(`Deploy target contract: ${name}`, { timeout: options.timeoutMs ?? 30_000 }, () => {
    after(async () => {
      for (const t of opened) await t.close().catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    });

    it('opens (twice is fine) and reports no version before any deployment', async () => {
      target = await fresh();
      await target.open();
      assert.equal(await target.current(), null);
      const traffic = await target.traffic();
      if (traffic !== null) assert.ok(traffic.requests >= 0 && traffic.errors >= 0, 'traffic counters');
    });

    it('stages, checks and switches version 1 (each step twice is fine)', async () => {
      await deploy(await version(1));
      await assertServes(target, 1);
    });

    it('deploys version 2 over version 1', async () => {
      await deploy(await version(2));
      await assertServes(target, 2);
    });

    it('reports a version whose smoke expectation fails as not ok, and version 2 keeps serving', async () => {
      const v3 = await version(3);
      await target.stage(v3);
      const checked = await target.check(v3, failingSmoke());
      assert.equal(checked.ok, false, 'check of a version whose answer cannot meet the expectation');
      assert.match(checked.detail, /smoke/, 'the detail says the smoke check failed');
      await keepServing(2);
    });

    it('refuses a version it cannot load (stage rejects or check is not ok), and version 2 keeps serving', async () => {
      const broken = await (options.broken ?? defaultBroken)(folder());
      let refused: string;
      try {
        await target.stage(broken);
        const checked = await target.check(broken, options.smoke);
        assert.equal(checked.ok, false, `check of a version whose path is ${broken.path}`);
        refused = checked.detail;
      } catch (error) {
        if (error instanceof assert.AssertionError) throw error;
        refused = (error as Error).message;
      }
      assert.ok(refused.length > 0, 'the refusal says why');
      await keepServing(2);
    });

    it('reverts to version 1 by switching back to it', async () => {
      await target.switch(await version(1));
      await assertServes(target, 1);
    });

    it('retires the versions that serve no more (twice is fine, one never loaded too), and version 1 keeps serving', async () => {
      for (const v of [await version(2), await version(3)]) {
        await target.retire(v);
        await target.retire(v);
      }
      await target.retire(await (options.broken ?? defaultBroken)(folder()));
      await assertServes(target, 1);
    });

    it('after a restart (a new instance over the same folder), reports and probes what serves', async () => {
      await target.close();
      await target.close();
      target = await fresh();
      await assertServes(target, 1);
    });

    it('deploys again a version it retired', async () => {
      await deploy(await version(2));
      await assertServes(target, 2);
    });
  });

  async function defaultBroken(dir: string): Promise<DeployVersion> {
    const v = await version(1);
    return { ...v, version: 4, checkpointId: v.checkpointId + 1000, path: join(dir, 'missing', 'checkpoint.bin') };
  }
}
