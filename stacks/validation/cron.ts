/**
 * Five-field cron expressions as Velero's scheduler (robfig/cron) reads them, checked for meaning
 * (minute 0–59, hour 0–23, day 1–31, month 1–12 or jan–dec, weekday 0–7 or sun–sat), and the
 * run times they produce, so backup retention can be checked against the schedule.
 */

interface Field {
  name: string;
  min: number;
  max: number;
  names?: string[];
}

const FIELDS: Field[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  {
    name: "month",
    min: 1,
    max: 12,
    names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
  },
  { name: "day of week", min: 0, max: 7, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
];

const DESCRIPTORS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

export interface Cron {
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  /** Day-of-month and day-of-week both restricted: a day matches if either does (cron's rule). */
  dayOr: boolean;
}

function value(text: string, field: Field): number {
  const named = field.names?.indexOf(text.toLowerCase()) ?? -1;
  const offset = field.name === "month" ? 1 : 0;
  const n = named >= 0 ? named + offset : /^\d+$/.test(text) ? Number(text) : NaN;
  if (Number.isNaN(n)) throw new Error(`${field.name} "${text}" is not a number`);
  if (n < field.min || n > field.max) {
    throw new Error(`${field.name} ${n} is out of range ${field.min}–${field.max}`);
  }
  return n;
}

function parseField(text: string, field: Field): { values: Set<number>; star: boolean } {
  const values = new Set<number>();
  let star = false;
  for (const part of text.split(",")) {
    const [range, stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1 || (stepText !== undefined && !/^\d+$/.test(stepText))) {
      throw new Error(`${field.name} step "${stepText}" must be a positive whole number`);
    }
    let lo: number;
    let hi: number;
    if (range === "*" || range === "?") {
      [lo, hi] = [field.min, field.max];
      star ||= stepText === undefined;
    } else if (range.includes("-")) {
      const [a, b] = range.split("-");
      [lo, hi] = [value(a, field), value(b, field)];
      if (lo > hi) throw new Error(`${field.name} range "${range}" runs backwards`);
    } else {
      lo = value(range, field);
      hi = stepText === undefined ? lo : field.max;
    }
    for (let v = lo; v <= hi; v += step) values.add(field.name === "day of week" && v === 7 ? 0 : v);
  }
  return { values, star };
}

/** Parses a cron expression; throws with what is wrong and what is allowed. */
export function parseCron(expression: string): Cron {
  const text = DESCRIPTORS[expression.trim()] ?? expression.trim();
  const parts = text.split(/\s+/);
  if (parts.length !== 5) {
    throw new Error(
      `needs five fields (minute hour day-of-month month day-of-week), got ${parts.length}; e.g. "0 2 * * *"`,
    );
  }
  const [minute, hour, dom, month, dow] = parts.map((p, i) => parseField(p, FIELDS[i]));
  return {
    minutes: minute.values,
    hours: hour.values,
    days: dom.values,
    months: month.values,
    weekdays: dow.values,
    dayOr: !dom.star && !dow.star,
  };
}

/** The error text for an expression, or undefined when it is valid. */
export function cronProblem(expression: string): string | undefined {
  try {
    const cron = parseCron(expression);
    if (runs(cron, 2).length === 0) return "never runs (no such date in the next two years)";
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

const MINUTE = 60_000;
/** A fixed start, so results do not depend on today's date (a Monday, 00:00 UTC). */
const START = Date.UTC(2027, 0, 4);

/** Run times (ms since epoch, UTC) over `years` from a fixed start. */
export function runs(cron: Cron, years = 1): number[] {
  const out: number[] = [];
  const days = Math.ceil(years * 366);
  const hours = [...cron.hours].sort((a, b) => a - b);
  const minutes = [...cron.minutes].sort((a, b) => a - b);
  for (let d = 0; d < days; d++) {
    const day = new Date(START + d * 24 * 60 * MINUTE);
    if (!cron.months.has(day.getUTCMonth() + 1)) continue;
    const domOk = cron.days.has(day.getUTCDate());
    const dowOk = cron.weekdays.has(day.getUTCDay());
    if (cron.dayOr ? !(domOk || dowOk) : !(domOk && dowOk)) continue;
    for (const h of hours) for (const m of minutes) out.push(day.getTime() + (h * 60 + m) * MINUTE);
  }
  return out;
}

/** The longest wait between two consecutive runs, in hours. */
export function longestGapHours(times: number[]): number {
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i] - times[i - 1]);
  return gap / (60 * MINUTE);
}

/** The shortest wait between two runs, in minutes (Infinity for fewer than two). */
export function shortestGapMinutes(times: number[]): number {
  let gap = Infinity;
  for (let i = 1; i < times.length; i++) gap = Math.min(gap, times[i] - times[i - 1]);
  return gap / MINUTE;
}

/**
 * The most backups alive at once when each is kept `ttlHours`: at a run, every earlier run within
 * the TTL still exists (the one expiring at that instant counted too, since garbage collection
 * lags expiry).
 */
export function mostAliveAtOnce(times: number[], ttlHours: number): number {
  const ttl = ttlHours * 60 * MINUTE;
  let most = 0;
  let first = 0;
  for (let i = 0; i < times.length; i++) {
    while (times[i] - times[first] > ttl) first++;
    most = Math.max(most, i - first + 1);
  }
  return most;
}
