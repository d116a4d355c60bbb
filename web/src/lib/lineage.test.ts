import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeFrom, layoutLineage, lineageGraph, type VersionLineageInput } from './lineage.ts';

const version = (v: number, jobId: number, checkpointId: number, aliases: string[] = [], datasets = [{ role: 'train', name: 'text', version: 1 }], from: unknown = null): VersionLineageInput => ({
  version: v,
  aliases,
  lineage: { checkpoint: { id: checkpointId, step: checkpointId * 10 }, job: { id: jobId, name: `job-${jobId}`, from }, datasets },
});

describe('lineage graph', () => {
  it('links dataset → job → checkpoint → version → alias → target, each node once', () => {
    const graph = lineageGraph('chat', [
      version(1, 7, 1, ['staging']),
      version(2, 7, 2, ['production']),
      version(3, 9, 5, [], [{ role: 'train', name: 'text', version: 2 }], { checkpointId: 2, jobId: 7, step: 20, model: { name: 'chat', version: 2 }, declared: 'model:chat@production' }),
    ], [
      { name: 'prod-server', model: 'chat', alias: 'production', version: 2 },
      { name: 'other', model: 'other-model', alias: 'production', version: 1 },
    ]);
    assert.deepEqual(graph.nodes.map((n) => n.id), [
      'job:7', 'dataset:text@1', 'checkpoint:1', 'version:1', 'alias:staging', 'checkpoint:2', 'version:2', 'alias:production',
      'job:9', 'dataset:text@2', 'checkpoint:5', 'version:3', 'target:prod-server',
    ]);
    assert.deepEqual(graph.edges.map((e) => `${e.from} ${e.to}`), [
      'dataset:text@1 job:7', 'job:7 checkpoint:1', 'checkpoint:1 version:1', 'version:1 alias:staging',
      'job:7 checkpoint:2', 'checkpoint:2 version:2', 'version:2 alias:production',
      'dataset:text@2 job:9', 'job:9 checkpoint:5', 'checkpoint:5 version:3',
      'alias:production target:prod-server',
    ]);
    const job9 = graph.nodes.find((n) => n.id === 'job:9')!;
    assert.deepEqual([job9.label, job9.detail, job9.href], ['#9 job-9', 'from chat v2', '/jobs/9']);
    assert.equal(graph.nodes.find((n) => n.id === 'target:prod-server')!.detail, 'serving v2');
  });

  it('draws a target that follows latest, or whose alias is unset, from the version it serves', () => {
    const latest = lineageGraph('m', [version(1, 1, 1), version(2, 1, 2)], [{ name: 't', model: 'm', alias: 'latest', version: 2 }]);
    assert.deepEqual(latest.edges.slice(-2).map((e) => `${e.from} ${e.to}`), ['version:2 alias:latest', 'alias:latest target:t']);
    const unset = lineageGraph('m', [version(1, 1, 1)], [{ name: 't', model: 'm', alias: 'production', version: 1 }]);
    assert.deepEqual(unset.edges.at(-1), { from: 'version:1', to: 'target:t' });
    const never = lineageGraph('m', [version(1, 1, 1)], [{ name: 't', model: 'm', alias: 'production', version: null }]);
    assert.equal(never.nodes.find((n) => n.kind === 'target')?.detail, 'nothing deployed');
    assert.equal(never.edges.some((e) => e.to === 'target:t'), false);
  });

  it('describes where a job started from', () => {
    assert.equal(describeFrom(null), null);
    assert.equal(describeFrom(undefined), null);
    assert.equal(describeFrom('model:chat@production'), 'chat@production');
    assert.equal(describeFrom({ job: 12 }), 'job 12');
    assert.equal(describeFrom({ job: 12, pick: 'best' }), 'job 12 (best)');
    assert.equal(describeFrom({ checkpoint: 345 }), 'checkpoint 345');
    assert.equal(describeFrom({ model: 'chat', version: 3 }), 'chat@3');
    const resolved = { checkpointId: 40, jobId: 12, step: 500, declared: 'model:chat@production', checkpointVersions: [] };
    assert.equal(describeFrom({ ...resolved, model: { name: 'chat', version: 2 } }), 'chat v2');
    assert.equal(describeFrom({ ...resolved, declared: { job: 12 }, model: null }), 'job 12 step 500');
  });
});

describe('lineage layout', () => {
  const opts = { nodeWidth: 100, nodeHeight: 20, columnGap: 50, rowGap: 10 };

  it('gives each non-empty kind a column, left to right, and centres each column', () => {
    const layout = layoutLineage(lineageGraph('m', [version(1, 1, 1, ['a'], []), version(2, 1, 2, [], [])]), opts);
    assert.deepEqual(layout.columns, ['job', 'checkpoint', 'version', 'alias'], 'no dataset column when no version read one');
    assert.deepEqual([layout.width, layout.height], [4 * 100 + 3 * 50, 2 * 20 + 10]);
    const at = (id: string) => layout.nodes.find((n) => n.id === id)!;
    assert.deepEqual([at('job:1').x, at('job:1').y], [0, 15], 'one node in a column of two rows sits in the middle');
    assert.deepEqual([at('checkpoint:1').x, at('checkpoint:1').y, at('checkpoint:2').y], [150, 0, 30]);
    assert.deepEqual([at('alias:a').x, at('alias:a').y], [450, 15]);
    assert.equal(layout.edges.find((e) => e.from === 'job:1' && e.to === 'checkpoint:1')!.path, 'M100,25 C125,25 125,10 150,10');
  });

  it('orders a column by its neighbours, so edges do not cross', () => {
    // Versions 1 and 3 from job 1, version 2 from job 2 between them: in the order given,
    // job 1 → checkpoint 11 would cross job 2 → checkpoint 20.
    const graph = lineageGraph('m', [
      version(1, 1, 10, [], [{ role: 'train', name: 'a', version: 1 }]),
      version(2, 2, 20, [], [{ role: 'train', name: 'b', version: 1 }]),
      version(3, 1, 11, [], [{ role: 'train', name: 'a', version: 1 }]),
    ]);
    const layout = layoutLineage(graph, opts);
    for (const e of layout.edges) {
      for (const f of layout.edges) {
        const [a1, a2, b1, b2] = [e.from, e.to, f.from, f.to].map((id) => layout.nodes.find((n) => n.id === id)!.y);
        assert.ok(!((a1 < b1 && a2 > b2) || (a1 > b1 && a2 < b2)), `${e.from}→${e.to} crosses ${f.from}→${f.to}`);
      }
    }
    const ys = (kind: string) => layout.nodes.filter((n) => n.kind === kind).map((n) => n.y);
    assert.deepEqual(layout.nodes.filter((n) => n.kind === 'version').sort((a, b) => a.y - b.y).map((n) => n.label), ['v1', 'v3', 'v2']);
    for (const kind of layout.columns) {
      const col = ys(kind).sort((x, y) => x - y);
      assert.ok(col.every((y, i) => i === 0 || y - col[i - 1] >= 20 + 10), `${kind}: nodes do not overlap`);
    }
  });

  it('lays out an empty graph as nothing', () => {
    assert.deepEqual(layoutLineage({ nodes: [], edges: [] }), { width: 0, height: 0, nodeWidth: 168, nodeHeight: 40, columns: [], nodes: [], edges: [] });
  });
});
