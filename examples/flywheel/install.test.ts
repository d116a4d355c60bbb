import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseRulesText } from '../../src/automations/rules-file.ts';
import { parseInboxConfig } from '../../src/inbox/config.ts';
import { installAutomations, installInbox } from './install.ts';

const here = dirname(fileURLToPath(import.meta.url));

describe('flywheel: installing the configs into a data directory', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'flywheel-install-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it("sets the webhook's url, keeps the comments, and the server's parser takes the file", () => {
    const path = installAutomations(join(here, 'automations.yaml'), dataDir, 'http://127.0.0.1:9/hook');
    const text = readFileSync(path, 'utf8');
    assert.equal(parse(text).rules[0].do.webhook.url, 'http://127.0.0.1:9/hook');
    assert.match(text, /# The HMAC-SHA256 secret is read from the server's environment/);
    const [rule] = parseRulesText(path, text);
    assert.deepEqual([rule.name, rule.on, rule.where], ['promotion-webhook', 'model.alias_moved', { 'data.model': 'char-lm', 'data.alias': 'production' }]);
  });

  it("makes a template's relative cwd absolute against the source file's folder; the example's inbox.yaml parses", () => {
    writeFileSync(join(dataDir, 'with-job.yaml'), 'templates:\n  - match: "*.txt"\n    job: {command: [node, train.js, "{file}"], cwd: ../repo}\n');
    const installed = installInbox(join(dataDir, 'with-job.yaml'), dataDir);
    assert.equal(parse(readFileSync(installed, 'utf8')).templates[0].job.cwd, join(dirname(dataDir), 'repo'));
    const example = installInbox(join(here, 'inbox.yaml'), dataDir);
    const config = parseInboxConfig(readFileSync(example, 'utf8'), example);
    assert.equal(config.templates[0].curriculum, 'flywheel');
    assert.equal(config.stableMs, 500);
  });
});
