/** The repeat choice of the booking form and the RFC 5545 rule it stands for. */

export const weekdayCodes = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
export const weekdayNames = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

export interface Repeat {
  freq: 'none' | 'daily' | 'weekly';
  days: Set<string>;
  ends: 'count' | 'until';
  count: string;
  until: string;
}

/** The RFC 5545 RRULE of the repeat choice. */
export function rruleOf(r: Repeat): string {
  const parts = [`FREQ=${r.freq === 'daily' ? 'DAILY' : 'WEEKLY'}`];
  if (r.freq === 'weekly' && r.days.size)
    parts.push(`BYDAY=${weekdayCodes.filter((d) => r.days.has(d)).join(',')}`);
  if (r.ends === 'count') parts.push(`COUNT=${Number(r.count) || 1}`);
  // The last day as a local date (inclusive, in the site's zone): a UTC time would be off by a day.
  else parts.push(`UNTIL=${r.until.replaceAll('-', '')}`);
  return parts.join(';');
}
