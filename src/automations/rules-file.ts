/**
 * The rules file `<data>/automations.yaml` (docs/automations.md): read, validated, every error
 * with its file, line and column. A missing file holds no rules.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Cron } from 'croner';
import { parseRulesFile, type AutomationRule, type RuleCheck } from '../core/automation.ts';
import { PositionedFileError, ValidationError } from '../core/errors.ts';
import { parseYamlWithPositions } from '../core/yaml-positions.ts';

/** The rules file does not parse or does not validate; `line`/`column` from 1 where known. */
export class RulesFileError extends PositionedFileError {
  override readonly code = 'invalid_rules_file';
}

/** Cron syntax and time zones, checked with croner (the library that runs them). */
export const checkSchedule: RuleCheck = (rule) => {
  if (typeof rule.on !== 'object' || !('schedule' in rule.on)) return null;
  const { schedule, timezone } = rule.on;
  // croner reads a zone only when it runs: check it here, where the field can be named.
  if (timezone !== undefined && !isTimeZone(timezone)) {
    return { field: 'on.timezone', message: `expected an IANA time zone (e.g. "Europe/Berlin"), got ${JSON.stringify(timezone)}` };
  }
  try {
    new Cron(schedule, { paused: true, timezone }).stop();
    return null;
  } catch (error) {
    return { field: 'on.schedule', message: `expected cron syntax ("minute hour day month weekday", e.g. "0 * * * *"), got ${JSON.stringify(schedule)}: ${(error as Error).message}` };
  }
};

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Parses the text of a rules file named `path`; throws RulesFileError with the position. */
export function parseRulesText(path: string, text: string): AutomationRule[] {
  const file = basename(path);
  const parsed = parseYamlWithPositions(text);
  if (parsed.problem) throw new RulesFileError(file, parsed.problem.line, parsed.problem.column, null, parsed.problem.message);
  const value = parsed.value;
  if (value !== null && value !== undefined && (typeof value !== 'object' || Array.isArray(value))) {
    throw new RulesFileError(file, 1, 1, null, 'a rules file holds a mapping with `rules:` (a list of rules), not a list or a scalar');
  }
  try {
    return parseRulesFile(value ?? {}, checkSchedule);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const field = error.field;
    const at = field ? nearest(parsed.locate, field) : null;
    const detail = field && error.message.startsWith(`${field}: `) ? error.message.slice(field.length + 2) : error.message;
    throw new RulesFileError(file, at?.line ?? null, at?.column ?? null, field, detail);
  }
}

/** Reads the rules file; a missing file is no rules. Throws RulesFileError. */
export async function loadRulesFile(path: string): Promise<AutomationRule[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new RulesFileError(basename(path), null, null, null, `cannot be read: ${(error as Error).message}`);
  }
  return parseRulesText(path, text);
}

/** The position of a field, or of its nearest parent the file holds (a missing key: its mapping). */
function nearest(locate: (field: string) => { line: number; column: number } | null, field: string): { line: number; column: number } | null {
  const parts = field.split('.');
  for (let n = parts.length; n > 0; n--) {
    const at = locate(parts.slice(0, n).join('.'));
    if (at) return at;
  }
  return null;
}
