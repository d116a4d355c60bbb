/**
 * When a token made with `--expires` stops working (`trainyard token create --expires 30d`).
 * Pure: `now` is the caller's.
 *
 * Accepted forms:
 * - a duration from now: a whole number and a unit, `h` (hours), `d` (days), `w` (weeks) or
 *   `y` (365 days): `12h`, `30d`, `2w`, `1y`;
 * - a date, `YYYY-MM-DD`: 00:00 UTC at the start of that day;
 * - an ISO 8601 time with its zone: `2026-12-31T18:00:00Z`, `2026-12-31T18:00+02:00`.
 */

const UNIT_MS: Readonly<Record<string, number>> = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000, y: 365 * 86_400_000 };
const DURATION = /^(\d{1,6})([hdwy])$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** The latest time a Date can hold (and JSON carry as an ISO string). */
const MAX_TIME = 8.64e15;

/**
 * Epoch ms at which a token made at `now` expires, or a message saying what was expected and
 * what came (the caller adds the option's name).
 */
export function parseExpiry(text: string, now: number): number | string {
  const input = text.trim();
  const expected = `a duration (12h, 30d, 2w, 1y), a date (2026-12-31, from 00:00 UTC) or a time with its zone (2026-12-31T18:00:00Z), not ${JSON.stringify(text)}`;
  let at: number;
  const duration = DURATION.exec(input);
  const date = DATE.exec(input);
  if (duration) {
    const n = Number(duration[1]);
    if (n === 0) return `a duration above zero, not ${JSON.stringify(text)}`;
    at = now + n * UNIT_MS[duration[2]];
  } else if (date) {
    const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
    at = Date.UTC(year, month - 1, day);
    const back = new Date(at);
    if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) {
      return `a real calendar date, not ${JSON.stringify(text)}`;
    }
  } else if (TIME_WITH_ZONE.test(input)) {
    at = Date.parse(input);
    if (Number.isNaN(at)) return `a real time, not ${JSON.stringify(text)}`;
  } else {
    return expected;
  }
  if (!(at <= MAX_TIME)) return `a time before the year 275760, not ${JSON.stringify(text)}`;
  if (at <= now) return `a time in the future, not ${JSON.stringify(text)} (${new Date(at).toISOString()}; now is ${new Date(now).toISOString()})`;
  return at;
}
