import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderHistory, renderModels } from './models.ts';

const T = Date.UTC(2025, 0, 2, 3, 4, 5);

describe('model rendering', () => {
  it('shows the alias history with who and why, deletions and missing reasons', () => {
    const text = renderHistory([
      { id: 1, model: 'chat', alias: 'production', from: null, to: 1, by: 'ann (token 0123456789abcdef)', reason: 'first', at: T },
      { id: 2, model: 'chat', alias: 'production', from: 1, to: null, by: 'system', reason: null, at: T + 1000 },
    ]);
    assert.equal(text, [
      'WHEN                      ALIAS       FROM       TO  BY                            REASON',
      '2025-01-02T03:04:05.000Z  production     -       v1  ann (token 0123456789abcdef)  first',
      '2025-01-02T03:04:06.000Z  production    v1  deleted  system                        -',
      '',
    ].join('\n'));
    assert.equal(renderHistory([]), 'no alias moves\n');
  });

  it('lists models with latest version and aliases, escaping control characters', () => {
    const base = { id: 1, description: null, promotionRule: null, createdAt: T, createdBy: 'x', updatedAt: T };
    const text = renderModels([
      { ...base, name: 'chat', tags: ['llm'], latest: 3, versions: 3, aliases: { production: 2, staging: 3 } },
      { ...base, name: 'empty', tags: ['a\u001b[31m'], latest: null, versions: 0, aliases: {} },
    ], T + 60_000);
    assert.match(text, /^chat\s+v3\s+3\s+production=v2 staging=v3\s+llm\s+1m ago$/m);
    assert.match(text, /^empty\s+-\s+0\s+-\s+a\\x1b\[31m/m);
    assert.doesNotMatch(text, /\u001b/);
  });
});
