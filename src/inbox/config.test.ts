import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { INBOX_DEFAULTS, loadInboxConfig, parseInboxConfig } from './config.ts';

const PATH = '/srv/data/inbox.yaml';

describe('inbox config', () => {
  it('parses templates with defaults; a missing cwd is the folder of inbox.yaml', () => {
    const config = parseInboxConfig(`
templates:
  - match: "*.jsonl"
    job: {name: "ft-{stem}", command: [python3, train.py, "{file}"]}
    validate: {format: chat}
`, PATH);
    assert.equal(config.pollMs, INBOX_DEFAULTS.pollMs);
    assert.equal(config.stableMs, INBOX_DEFAULTS.stableMs);
    assert.equal(config.baseDir, '/srv/data');
    assert.deepEqual(config.templates, [{
      match: '*.jsonl',
      job: { name: 'ft-{stem}', command: ['python3', 'train.py', '{file}'], cwd: '/srv/data' },
      validate: { format: 'chat', level: 'quick' },
    }]);
  });

  it('names the field of a mistake, including inside a template job', () => {
    const cases: Array<[string, RegExp]> = [
      ['templates: []', /templates: needs at least one template/],
      ['pollms: 100\ntemplates: [{match: "*", job: {command: [x]}}]', /unknown field pollms/],
      ['templates: [{match: "*.{a", job: {command: [x]}}]', /templates.0.match: unclosed/],
      ['templates: [{match: "*", job: {command: [x]}, validate: {format: chat, level: fast}}]', /templates.0.validate.level/],
      ['templates: [{match: "*", job: {command: [x]}}, {match: "*", job: {command: [x], comand: [x]}}]', /templates.1.job: comand: unknown field comand/],
      ['templates: [{match: "*", job: {command: [x], maxRetries: -1}}]', /templates.0.job: maxRetries/],
      ['templates: [{match: "*", job: {command: [x], priority: urgent}}]', /templates.0.job: priority/],
      ['templates: [ {', /not valid YAML/],
    ];
    for (const [text, expected] of cases) assert.throws(() => parseInboxConfig(text, PATH), expected, text);
  });

  it('reads dataset: with defaults and checks it against its job', () => {
    const config = parseInboxConfig(`
templates:
  - match: "*.jsonl"
    job: {command: [train], from: "model:chat@production", datasets: {eval: suite@1}}
    dataset: {name: "chat-stream", format: chat}
`, PATH);
    assert.deepEqual(config.templates[0].dataset, { name: 'chat-stream', format: 'chat', role: 'train', depth: 'standard' });
    assert.equal(config.templates[0].job?.from, 'model:chat@production');
    const cases: Array<[string, RegExp]> = [
      ['{name: "a b", format: chat}', /templates\.0\.dataset\.name: .*"a b".*not a dataset name/],
      ['{name: "{name}", format: chat, depth: shallow}', /templates\.0\.dataset\.depth/],
      ['{name: x, format: chat, role: Train}', /templates\.0\.dataset\.role/],
      ['{name: x, format: chat, extra: 1}', /templates\.0\.dataset\.extra: unknown field extra/],
    ];
    for (const [dataset, expected] of cases) {
      assert.throws(() => parseInboxConfig(`templates: [{match: "*", job: {command: [x]}, dataset: ${dataset}}]`, PATH), expected, dataset);
    }
    assert.throws(() => parseInboxConfig('templates: [{match: "*", job: {command: [x]}, validate: {format: chat}, dataset: {name: x, format: chat}}]', PATH), /templates\.0\.validate: give validate or dataset, not both/);
    assert.throws(() => parseInboxConfig('templates: [{match: "*", job: {command: [x], datasets: {train: y}}, dataset: {name: x, format: chat}}]', PATH), /templates\.0\.job\.datasets\.train: role train is also dataset\.role/);
    assert.throws(() => parseInboxConfig('templates: [{match: "*", job: {command: [x], datasetLevel: deep}, dataset: {name: x, format: chat}}]', PATH), /templates\.0\.job\.datasetLevel: deep is deeper than dataset\.depth standard/);
    assert.throws(() => parseInboxConfig('templates: [{match: "*", job: {command: [x], from: "model:"}, dataset: {name: x, format: chat}}]', PATH), /templates\.0\.job: from/);
  });

  it('takes `curriculum:` instead of `job:`, exactly one of them', () => {
    const config = parseInboxConfig('templates: [{match: "*.jsonl", curriculum: arith, dataset: {name: "arith-{stem}", format: chat}}]', PATH);
    assert.deepEqual([config.templates[0].curriculum, config.templates[0].job], ['arith', undefined]);
    assert.throws(() => parseInboxConfig('templates: [{match: "*", curriculum: arith, job: {command: [x]}}]', PATH), /templates\.0\.job: give job \(a job spec\) or curriculum \(a curriculum name\), exactly one/);
    assert.throws(() => parseInboxConfig('templates: [{match: "*"}]', PATH), /templates\.0\.job: give job/);
    assert.throws(() => parseInboxConfig('templates: [{match: "*", curriculum: "no good"}]', PATH), /templates\.0\.curriculum/);
  });

  it('loads from disk: absent, invalid or ok', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainyard-inbox-config-'));
    const path = join(dir, 'inbox.yaml');
    assert.deepEqual(await loadInboxConfig(path), { kind: 'absent' });
    writeFileSync(path, 'templates: 3');
    const invalid = await loadInboxConfig(path);
    assert.equal(invalid.kind, 'invalid');
    writeFileSync(path, 'stableMs: 0\ntemplates: [{match: "*", job: {command: [x], cwd: sub}}]');
    const ok = await loadInboxConfig(path);
    assert.ok(ok.kind === 'ok');
    assert.equal(ok.config.stableMs, 0);
    assert.equal(ok.config.templates[0].job?.cwd, 'sub', 'resolved per file, against baseDir');
  });
});
