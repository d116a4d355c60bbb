/**
 * A template's job: its `job:`, or, with `curriculum: NAME`, the current level's training job of
 * that curriculum (core/curriculum.ts `levelJobSpec`), read from the store when the file's job is
 * created. The inbox builds it itself: it does not go through src/curriculum.
 */
import { levelJobSpec } from '../core/curriculum.ts';
import type { CurriculumStore } from '../store/store.ts';
import type { InboxTemplate } from './template.ts';

export type TemplateJob =
  | { readonly kind: 'ok'; readonly template: InboxTemplate; readonly level: string | null }
  | { readonly kind: 'failed'; readonly reason: string };

/** The template with its `job` filled in (a curriculum's current level), or why it cannot be. */
export async function templateJob(store: Pick<CurriculumStore, 'getCurriculum'>, template: InboxTemplate, index: number): Promise<TemplateJob> {
  if (template.curriculum === undefined) return { kind: 'ok', template, level: null };
  const curriculum = await store.getCurriculum(template.curriculum);
  if (!curriculum) {
    return { kind: 'failed', reason: `template ${index} (match ${JSON.stringify(template.match)}) names curriculum ${JSON.stringify(template.curriculum)}, which does not exist (trainyard curriculum apply FILE)` };
  }
  return { kind: 'ok', template: { ...template, job: levelJobSpec(curriculum.spec, curriculum.level, 'train') }, level: curriculum.levelName };
}
