import { describe, expect, it } from 'vitest';
import { cronProblem, cronStarts, peakOverlap } from '../../src/model/schedule';
import { definition, problems } from '../helpers';

const day = Date.UTC(2028, 0, 2); // a Sunday
const minutesOf = (schedule: string, days = 7) => cronStarts(schedule, day, day + days * 86_400_000).map((m) => m - day / 60_000);

describe('cron schedules', () => {
  it('reads minutes, hours, steps, ranges, lists, names and macros', () => {
    expect(minutesOf('30 3 * * *')).toEqual([0, 1, 2, 3, 4, 5, 6].map((d) => d * 1440 + 210));
    expect(minutesOf('*/20 1 * * SUN', 7)).toEqual([60, 80, 100]);
    expect(minutesOf('0 0 * * 1-2')).toEqual([1440, 2880]);
    expect(minutesOf('@daily', 2)).toEqual([0, 1440]);
    expect(minutesOf('0 12 * * 7', 7)).toEqual([720]);
  });

  it('matches either day field when both are restricted, as cron does', () => {
    // the 1st of the month or a Sunday: Sunday 2 Jan and Sunday 9 Jan in one week and a day
    expect(minutesOf('0 0 1 * 0', 8)).toEqual([0, 7 * 1440]);
  });
});

describe('overlapping maintenance runs', () => {
  it('adds the weights of runs that overlap, and only those', () => {
    const daily = { schedule: '0 3 * * *', durationSeconds: 3600, weight: 6 };
    expect(peakOverlap([daily])).toBe(6);
    expect(peakOverlap([daily, { schedule: '30 3 * * *', durationSeconds: 600, weight: 5 }])).toBe(11);
    expect(peakOverlap([daily, { schedule: '0 4 * * *', durationSeconds: 600, weight: 5 }])).toBe(6);
    // a run that starts as another ends does not overlap it
    expect(peakOverlap([{ schedule: '0 1 * * *', durationSeconds: 7200, weight: 2 }, { schedule: '0 3 * * *', durationSeconds: 60, weight: 3 }])).toBe(3);
  });

  it('never lets one task overlap itself (Forbid), however often it is scheduled', () => {
    expect(peakOverlap([{ schedule: '* * * * *', durationSeconds: 7200, weight: 6 }, { schedule: '0 0 1 1 *', durationSeconds: 60, weight: 1 }])).toBe(7);
  });

  it('finds the rare overlap of a monthly and a weekly task (a Sunday that is the 1st)', () => {
    const monthly = { schedule: '0 1 1 * *', durationSeconds: 12 * 3600, weight: 1 };
    const sunday = { schedule: '0 5 * * 0', durationSeconds: 7200, weight: 6 };
    expect(peakOverlap([monthly, sunday])).toBe(7);
  });
});

describe('schedules the API server refuses (robfig/cron, as the CronJob validation parses them)', () => {
  it.each(['30 3 * * *', '*/5 * * * *', '0 0 1-31/2 JAN-DEC MON-FRI', '0 0 * * sun', '0/15 * * * *', '@daily', '@every 1h30m'])('accepts %j', (s) => {
    expect(cronProblem(s)).toBeUndefined();
  });
  it.each([
    ['0 0 * * 0X', /day of week field, not "0X"/],
    ['0 0 * * 0-', /day of week field/],
    ['-0 0 * * 0', /minute field/],
    ['0 0 * * 0/x', /day of week field/],
    ['0 0 * * 7', /day of week between 0 and 6/],
    ['5-3 * * * *', /minute between 0 and 59/],
    ['0 24 * * *', /hour between 0 and 23/],
    ['* * * * * *', /five fields/],
    ['@fortnightly', /one of @yearly/],
    ['TZ=UTC 0 0 * * *', /without TZ=/],
  ])('refuses %j', (s, message) => {
    expect(cronProblem(s)).toMatch(message);
  });
  it('locates a maintenance schedule it refuses at its field', () => {
    expect(problems(definition({ maintenance: { mediaRemove: { schedule: '0 0 * * 0X' } } }))).toEqual([expect.stringMatching(/^expected a valid day of week field, not "0X", found "0 0 \* \* 0X"$/)]);
  });
});
