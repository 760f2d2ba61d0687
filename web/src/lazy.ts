/**
 * Screens and dialogs that the first schedule does not need, each loaded on first use, so the first
 * page's script stays small (BENCHMARKS.md: web bundle).
 */
import { lazy } from 'react';

export const Admin = lazy(() => import('./admin.tsx').then((m) => ({ default: m.Admin })));
export const MySessions = lazy(() => import('./my-sessions.tsx').then((m) => ({ default: m.MySessions })));
export const Settings = lazy(() => import('./settings.tsx').then((m) => ({ default: m.Settings })));
export const FindPartner = lazy(() => import('./partners.tsx').then((m) => ({ default: m.FindPartner })));
export const FindTimeDialog = lazy(() =>
  import('./partners.tsx').then((m) => ({ default: m.FindTimeDialog })),
);
export const BookingForm = lazy(() => import('./booking-form.tsx').then((m) => ({ default: m.BookingForm })));
export const BookingDetails = lazy(() =>
  import('./booking-details.tsx').then((m) => ({ default: m.BookingDetails })),
);
export const Reports = lazy(() => import('./reports.tsx').then((m) => ({ default: m.Reports })));
export const DoorPage = lazy(() => import('./door-page.tsx').then((m) => ({ default: m.DoorPage })));
export const CheckInHere = lazy(() =>
  import('./check-in-here.tsx').then((m) => ({ default: m.CheckInHere })),
);
export const MonthOverview = lazy(() =>
  import('./month-overview.tsx').then((m) => ({ default: m.MonthOverview })),
);
