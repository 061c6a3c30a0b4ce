// Business days, Monday to Friday in UTC (no holidays): the ship-by deadline and the claim window.

const DAY_MS = 86_400_000;

const isWeekend = (d: Date) => d.getUTCDay() === 0 || d.getUTCDay() === 6;

/**
 * The same time of day `days` business days after `from`: Monday 10:00 + 3 is Thursday 10:00, Friday
 * 10:00 + 3 is Wednesday 10:00; a Saturday or Sunday counts from the Monday after (so + 3 is Wednesday).
 */
export function addBusinessDays(from: Date, days: number): Date {
  let at = from.getTime();
  for (let left = days; left > 0; ) {
    at += DAY_MS;
    if (!isWeekend(new Date(at))) left--;
  }
  return new Date(at);
}
