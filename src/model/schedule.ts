/**
 * When CronJobs run at once: the standard five-field cron (what the CronJob controller accepts, in UTC) and
 * the largest sum of weights of tasks running together, each run lasting up to its deadline. Runs of one task
 * never overlap themselves (concurrencyPolicy Forbid).
 */

const MACROS: Record<string, string> = { '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *', '@weekly': '0 0 * * 0', '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *' };
const NAMES: Record<string, number> = { JAN: 1, FEB: 2, MAR: 3, APR: 4, MAY: 5, JUN: 6, JUL: 7, AUG: 8, SEP: 9, OCT: 10, NOV: 11, DEC: 12, SUN: 0, MON: 1, TUE: 2, WED: 3, THU: 4, FRI: 5, SAT: 6 };

/** bounds of the five fields, as the CronJob controller's parser (robfig/cron ParseStandard) reads them */
const FIELDS: { name: string; min: number; max: number; names?: boolean }[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: true },
  { name: 'day of week', min: 0, max: 6, names: true },
];
const GO_DURATION = /^([0-9]+(\.[0-9]*)?(ns|us|µs|ms|s|m|h))+$/;

/**
 * Why the API server refuses a CronJob schedule (it parses it with robfig/cron's standard parser), or
 * undefined when it accepts it.
 */
export function cronProblem(schedule: string): string | undefined {
  if (/^(CRON_)?TZ=/.test(schedule.trim())) return 'a schedule without TZ= or CRON_TZ= (the API server refuses a time zone in it)';
  if (schedule.startsWith('@')) {
    if (MACROS[schedule] !== undefined) return undefined;
    if (schedule.startsWith('@every ') && GO_DURATION.test(schedule.slice(7))) return undefined;
    return `one of ${Object.keys(MACROS).join(', ')} or @every <duration>`;
  }
  const parts = schedule.split(/\s+/).filter(Boolean);
  if (parts.length !== 5) return `five fields (minute hour day-of-month month day-of-week), not ${parts.length}`;
  for (const [i, text] of parts.entries()) {
    const f = FIELDS[i];
    const int = (v: string) => (/^\+?[0-9]+$/.test(v) ? Number(v) : f.names && NAMES[v.toUpperCase()] !== undefined && /^[a-z]+$/i.test(v) ? NAMES[v.toUpperCase()] : undefined);
    for (const part of text.split(',')) {
      const [range, step, ...more] = part.split('/');
      const bounds = range.split('-');
      if (more.length || bounds.length > 2) return `a valid ${f.name} field, not ${JSON.stringify(text)}`;
      const star = range === '*' || range === '?';
      const from = star ? f.min : int(bounds[0]);
      const to = star ? f.max : bounds.length === 2 ? int(bounds[1]) : step !== undefined ? f.max : from;
      const every = step === undefined ? 1 : /^\+?[0-9]+$/.test(step) ? Number(step) : undefined;
      if (from === undefined || to === undefined || every === undefined || every === 0 || (star && bounds.length > 1)) return `a valid ${f.name} field, not ${JSON.stringify(text)}`;
      if (from < f.min || to > f.max || from > to) return `a ${f.name} between ${f.min} and ${f.max}, not ${JSON.stringify(text)}`;
    }
  }
  return undefined;
}

/** The values one field matches, or undefined when it is no valid field (then the whole schedule is taken as "always"). */
function field(text: string, min: number, max: number): { values: Set<number>; any: boolean } | undefined {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|\?|([0-9A-Za-z]+)(?:-([0-9A-Za-z]+))?)(?:\/([0-9]+))?$/.exec(part);
    if (!m) return undefined;
    const num = (s: string) => (/^[0-9]+$/.test(s) ? Number(s) : NAMES[s.toUpperCase()]);
    const star = m[1] === '*' || m[1] === '?';
    const from = star ? min : num(m[2]);
    const to = star ? max : m[3] !== undefined ? num(m[3]) : m[4] !== undefined ? max : from;
    const step = m[4] !== undefined ? Number(m[4]) : 1;
    if (from === undefined || to === undefined || step < 1) return undefined;
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return { values, any: text === '*' || text === '?' };
}

/** What `*` matches in a field. */
function everyValue(min: number, max: number): { values: Set<number>; any: boolean } {
  const values = new Set<number>();
  for (let v = min; v <= max; v++) values.add(v);
  return { values, any: true };
}

/** Start minutes (since the epoch) of a schedule between two instants; every minute when the schedule cannot be read. */
export function cronStarts(schedule: string, fromMs: number, toMs: number): number[] {
  const expr = MACROS[schedule.trim()] ?? schedule.trim();
  const parts = expr.split(/\s+/);
  const ranges: [number, number][] = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]];
  const read = parts.length === 5 ? ranges.map(([min, max], i) => field(parts[i], min, max)) : [];
  const [minute, hour, dom, month, dow] = read.length === 5 && read.every((x) => x !== undefined) ? read : ranges.map(([min, max]) => everyValue(min, max));
  if (dow.values.has(7)) dow.values.add(0);
  const starts: number[] = [];
  for (let day = fromMs; day < toMs; day += 86_400_000) {
    const d = new Date(day);
    if (!month.values.has(d.getUTCMonth() + 1)) continue;
    const domOk = dom.values.has(d.getUTCDate());
    const dowOk = dow.values.has(d.getUTCDay());
    // cron: with both day fields restricted, either one matching is enough
    if (!(dom.any || dow.any ? domOk && dowOk : domOk || dowOk)) continue;
    for (const h of [...hour.values].sort((a, b) => a - b)) for (const m of [...minute.values].sort((a, b) => a - b)) starts.push(day / 60_000 + h * 60 + m);
  }
  return starts;
}

export interface ScheduledTask {
  readonly schedule: string;
  /** longest run: the Job's activeDeadlineSeconds */
  readonly durationSeconds: number;
  readonly weight: number;
}

/** Two years from a fixed date (one leap day, every weekday on every day of the month): the same answer on any day. */
const PERIOD = { from: Date.UTC(2028, 0, 1), to: Date.UTC(2030, 0, 1) };

/** The largest sum of weights of tasks whose runs overlap. */
export function peakOverlap(tasks: readonly ScheduledTask[]): number {
  if (tasks.length <= 1) return tasks[0]?.weight ?? 0;
  const events: [number, number][] = [];
  for (const t of tasks) {
    const length = Math.ceil(t.durationSeconds / 60);
    let open: [number, number] | undefined;
    for (const start of cronStarts(t.schedule, PERIOD.from, PERIOD.to)) {
      // Forbid: a run that starts while the last may still go on extends it instead of adding to it
      if (open && start <= open[1]) open[1] = Math.max(open[1], start + length);
      else {
        if (open) events.push([open[0], t.weight], [open[1], -t.weight]);
        open = [start, start + length];
      }
    }
    if (open) events.push([open[0], t.weight], [open[1], -t.weight]);
  }
  // at one minute, ends before starts: a run ending as another starts does not overlap it
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let peak = 0;
  for (const [, delta] of events) {
    now += delta;
    peak = Math.max(peak, now);
  }
  return peak;
}
