import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ARTIFACT_NAME_MAX, artifactMediaType, artifactRequest, inferArtifactKind } from './artifacts.ts';

describe('artifact kinds and media types', () => {
  it('infers the kind from the extension, any case', () => {
    const cases: Array<[string, string]> = [
      ['loss.png', 'image'], ['a/b/GANTT.JPG', 'image'], ['x.jpeg', 'image'], ['plot.svg', 'image'],
      ['results.csv', 'table'], ['r.TSV', 'table'], ['notes.txt', 'text'], ['report.md', 'text'],
      ['data.json', 'text'], ['model.bin', 'other'], ['README', 'other'], ['.csv', 'other'], ['dir.png/file', 'other'],
    ];
    for (const [name, kind] of cases) assert.equal(inferArtifactKind(name), kind, name);
  });

  it('gives the media type a browser needs', () => {
    assert.equal(artifactMediaType('a.png'), 'image/png');
    assert.equal(artifactMediaType('a.svg'), 'image/svg+xml');
    assert.equal(artifactMediaType('a.csv'), 'text/csv; charset=utf-8');
    assert.equal(artifactMediaType('a.html'), 'application/octet-stream');
  });
});

describe('artifactRequest', () => {
  it('completes the kind, keeps an explicit one, null step by default', () => {
    assert.deepEqual(artifactRequest({ name: 'loss.png' }), { name: 'loss.png', kind: 'image', step: null });
    assert.deepEqual(artifactRequest({ name: 'loss.dat', kind: 'table', step: 7 }), { name: 'loss.dat', kind: 'table', step: 7 });
  });

  it('names the field of each problem', () => {
    assert.deepEqual(artifactRequest({ name: '' }), { field: 'name', message: 'must not be empty' });
    assert.equal((artifactRequest({ name: 'x'.repeat(ARTIFACT_NAME_MAX + 1) }) as { field: string }).field, 'name');
    assert.match((artifactRequest({ name: 'a\nb.png' }) as { message: string }).message, /^contains U\+000A \(newline\) at character 2/);
    assert.match((artifactRequest({ name: 'plot\u202egnp.exe' }) as { message: string }).message, /right-to-left override/);
    assert.deepEqual(artifactRequest({ name: 'a.png', kind: 'photo' }), { field: 'kind', message: "must be one of image, table, text, other, got 'photo'" });
    assert.deepEqual(artifactRequest({ name: 'a.png', step: NaN }), { field: 'step', message: 'must be a finite number, got NaN' });
  });
});
