import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRulesText, RulesFileError } from './rules-file.ts';

const parse = (text: string) => parseRulesText('/data/automations.yaml', text);

describe('the rules file', () => {
  it('reads rules; an empty file holds none', () => {
    assert.deepEqual(parse(''), []);
    const [rule] = parse('rules:\n  - name: a\n    on: {schedule: "*/5 * * * *", timezone: Europe/Berlin}\n    do: {stop: {job: 3}}\n');
    assert.deepEqual(rule.on, { schedule: '*/5 * * * *', timezone: 'Europe/Berlin' });
  });

  it('names the file, line and column of a syntax error', () => {
    assert.throws(() => parse('rules:\n  - name: a\n    on: [unclosed\n'), (e: RulesFileError) => e.line !== null && /^automations\.yaml:\d+:\d+: /.test(e.message));
  });

  it('names the line of the field that does not validate, what was expected and what came', () => {
    const text = 'rules:\n  - name: a\n    on: job.submitted\n    do: {stop: {}}\n  - name: b\n    on: job.submitted\n    do:\n      webhook: {url: "not a url"}\n';
    assert.throws(() => parse(text), (e: RulesFileError) => e.line === 8 && e.field === 'rules.1.do.webhook.url' && /^automations\.yaml:8:\d+: rules\.1\.do\.webhook\.url: /.test(e.message));
    assert.throws(() => parse('rules:\n  - name: a\n    on: {schedule: "61 * * * *"}\n    do: {stop: {job: 1}}\n'), (e: RulesFileError) => e.line === 3 && e.field === 'rules.0.on.schedule' && /expected cron syntax/.test(e.message));
    assert.throws(() => parse('rules:\n  - name: a\n    on: {schedule: "0 * * * *", timezone: Mars/Olympus}\n    do: {stop: {job: 1}}\n'), (e: RulesFileError) => e.field === 'rules.0.on.timezone');
    assert.throws(() => parse('rules:\n  - name: a\n    do: {stop: {}}\n'), (e: RulesFileError) => e.line === 2 && e.field === 'rules.0.on' && /is required/.test(e.message));
    assert.throws(() => parse('- a\n- b\n'), (e: RulesFileError) => e.line === 1 && /holds a mapping/.test(e.message));
  });
});
