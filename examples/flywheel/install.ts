/**
 * Puts the example's config files where a server reads them: `<data>/inbox.yaml` and
 * `<data>/automations.yaml` (comments kept). A file in the data directory resolves a relative
 * `cwd` against the data directory, so each relative `cwd` the example wrote is made absolute
 * against the example's folder first (it means what it says where it was written); the webhook's
 * `url` is set to the receiver of this run.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { isMap, isSeq, parseDocument, type Document } from 'yaml';

/** Copies inbox.yaml into the data directory with every template's relative `job.cwd` made absolute. */
export function installInbox(source: string, dataDir: string): string {
  const doc = read(source);
  const templates = doc.get('templates');
  if (isSeq(templates)) {
    templates.items.forEach((_, i) => absoluteCwd(doc, ['templates', i, 'job'], dirname(source)));
  }
  return write(doc, join(dataDir, 'inbox.yaml'));
}

/** Copies automations.yaml into the data directory with every webhook's `url` set to `webhookUrl`. */
export function installAutomations(source: string, dataDir: string, webhookUrl: string): string {
  const doc = read(source);
  const rules = doc.get('rules');
  if (isSeq(rules)) {
    rules.items.forEach((_, i) => {
      if (isMap(doc.getIn(['rules', i, 'do', 'webhook']))) doc.setIn(['rules', i, 'do', 'webhook', 'url'], webhookUrl);
      absoluteCwd(doc, ['rules', i, 'do', 'submit'], dirname(source));
    });
  }
  return write(doc, join(dataDir, 'automations.yaml'));
}

function absoluteCwd(doc: Document, path: readonly (string | number)[], base: string): void {
  const cwd = doc.getIn([...path, 'cwd']);
  if (typeof cwd === 'string' && !isAbsolute(cwd)) doc.setIn([...path, 'cwd'], resolve(base, cwd));
}

function read(path: string): Document {
  const doc = parseDocument(readFileSync(path, 'utf8'), { uniqueKeys: true });
  if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0].message}`);
  return doc;
}

/** Written whole, then renamed: the server's watcher never reads half a file. */
function write(doc: Document, target: string): string {
  writeFileSync(`${target}.tmp`, doc.toString());
  renameSync(`${target}.tmp`, target);
  return target;
}
