import { AppError } from '../errors.ts';

/** One counter: failures in a row, and until when attempts are refused. */
interface Counter {
  failures: number;
  lockedUntil: number;
  lastFailure: number;
}

export interface ThrottleLimits {
  /** Failed sign-ins allowed for one email before it is locked (SHIPSHAPE_LOGIN_RATE_LIMIT). */
  perEmail: number;
  /** Failed sign-ins allowed from one address, any emails, before it is locked (a whole ship may share one). */
  perAddress: number;
}

/** The first lock lasts a minute; each further failure doubles it, up to an hour. */
const firstLockMs = 60_000;
const longestLockMs = 3_600_000;
/** A counter with no failure for this long starts over. */
const forgetAfterMs = 3_600_000;
const maxCounters = 50_000;

/**
 * Failed sign-ins, counted by email (lower-cased) and by client address separately, with
 * exponential backoff. Checked after the body is read, before the password is verified, so one
 * guessing client locks the email it guesses (and, far later, its own address), not every member
 * behind the same address. Kept in the server's memory: each server process counts its own.
 */
export class LoginThrottle {
  private readonly counters = new Map<string, Counter>();

  constructor(private readonly limits: ThrottleLimits) {}

  private counter(key: string, now: number): Counter | undefined {
    const c = this.counters.get(key);
    if (c && c.lockedUntil <= now && now - c.lastFailure > forgetAfterMs) {
      this.counters.delete(key);
      return undefined;
    }
    return c;
  }

  /** Throws rate-limited (with the seconds to wait) when the email or the address is locked now. */
  check(email: string, address: string, now: number): void {
    for (const [key, field] of [
      [`email:${email.toLowerCase()}`, 'body.email'],
      [`address:${address}`, 'address'],
    ] as const) {
      const c = this.counter(key, now);
      if (c && c.lockedUntil > now) {
        const retryAfter = Math.ceil((c.lockedUntil - now) / 1000);
        throw new AppError(
          'rate-limited',
          field === 'body.email'
            ? `Too many failed sign-ins for this email; try again in ${retryAfter} s`
            : `Too many failed sign-ins from this address; try again in ${retryAfter} s`,
          { field, retryAfter },
        );
      }
    }
  }

  /** Counts a failed sign-in against both the email and the address. */
  fail(email: string, address: string, now: number): void {
    this.bump(`email:${email.toLowerCase()}`, this.limits.perEmail, now);
    this.bump(`address:${address}`, this.limits.perAddress, now);
  }

  /** A successful sign-in clears its email's count (the address keeps its own). */
  succeed(email: string): void {
    this.counters.delete(`email:${email.toLowerCase()}`);
  }

  private bump(key: string, limit: number, now: number): void {
    let c = this.counter(key, now);
    if (!c) {
      if (this.counters.size >= maxCounters) this.counters.delete(this.counters.keys().next().value!);
      c = { failures: 0, lockedUntil: 0, lastFailure: now };
      this.counters.set(key, c);
    }
    c.failures += 1;
    c.lastFailure = now;
    if (c.failures >= limit) {
      const doublings = Math.min(c.failures - limit, 12);
      c.lockedUntil = now + Math.min(firstLockMs * 2 ** doublings, longestLockMs);
    }
  }
}
