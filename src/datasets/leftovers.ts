/**
 * What an interrupted registration leaves in `<dataDir>/datasets`, removed when the server
 * starts. A registration copies the content first (`.incoming-*`, renamed to `<sha256>/` once
 * complete: ingest.ts), then validates it and records the version (register.ts). A server that
 * stops in between leaves either a partial copy (`.incoming-*`) or stored content that no
 * version names. Neither can be adopted (the name and format were only in the lost request),
 * and a client that saw no answer registers again: both are removed. This runs before the
 * server takes requests, so no registration is under way.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatasetStore } from '../store/store.ts';
import { INCOMING_PREFIX } from './ingest.ts';

/** A stored content's folder name: its sha256, hex. */
const CONTENT_DIR = /^[0-9a-f]{64}$/;

/**
 * Removes partial copies and content no version names from `datasetDir`; other entries are
 * left alone. Says what it removed through `log`. Returns the names removed (relative to
 * `datasetDir`).
 */
export async function removeDatasetLeftovers(
  store: Pick<DatasetStore, 'listDatasets' | 'listDatasetVersions'>,
  datasetDir: string,
  log: (line: string) => void = () => undefined,
): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(datasetDir);
  } catch {
    return [];
  }
  const named = new Set<string>();
  for (const dataset of await store.listDatasets()) {
    for (const version of await store.listDatasetVersions(dataset.name)) named.add(version.sha256);
  }
  const removed: string[] = [];
  for (const name of names.sort()) {
    if (!name.startsWith(INCOMING_PREFIX) && !(CONTENT_DIR.test(name) && !named.has(name))) continue;
    await rm(join(datasetDir, name), { recursive: true, force: true });
    removed.push(name);
  }
  if (removed.length > 0) {
    log(`datasets: removed ${removed.length} leftover(s) of interrupted registrations from ${datasetDir}: ${removed.join(', ')}`);
  }
  return removed;
}
