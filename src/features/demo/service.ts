import type { Ctx } from '../context.ts';
import type { SiteInput } from '../sites/service.ts';

/** The demo vessel's site settings. */
export const demoSite: SiteInput = {
  name: 'ISV Meridian',
  timeZone: 'Pacific/Auckland',
  quietHours: { start: '22:00', end: '06:00' },
};

export async function loadDemo(_ctx: Ctx, _opts: { seed?: number } = {}): Promise<void> {}
