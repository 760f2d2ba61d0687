import type { Db } from '../../db/store.ts';
import * as repo from './repository.ts';

type Listener = (notice: repo.NoticeRow) => void;

/**
 * Live delivery inside one server process. Notices this process writes are pushed at once; those
 * written by another process on the same database are picked up by a poll that runs only while
 * someone listens. The poll looks back a little behind the highest id it has seen (ids are
 * allocated before commit, so a lower id can become visible later) and skips ids already pushed.
 */
export class LiveHub {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly pushed = new Set<string>();
  private highest = 0n;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(
    private readonly db: Db,
    private readonly pollMs = 250,
  ) {}

  private key(siteId: string, memberId: string): string {
    return `${siteId}/${memberId}`;
  }

  /** Calls `listener` with each new notice of the member; returns the unsubscribe function. */
  subscribe(siteId: string, memberId: string, listener: Listener): () => void {
    const key = this.key(siteId, memberId);
    let set = this.listeners.get(key);
    if (!set) {
      set = new Set();
      this.listeners.set(key, set);
    }
    set.add(listener);
    this.startPolling();
    return () => {
      const s = this.listeners.get(key);
      s?.delete(listener);
      if (s && s.size === 0) this.listeners.delete(key);
      if (this.listeners.size === 0) this.stopPolling();
    };
  }

  get listenerCount(): number {
    let n = 0;
    for (const s of this.listeners.values()) n += s.size;
    return n;
  }

  /** Pushes notices (each at most once per process) to the listeners of their members. */
  publish(notices: repo.NoticeRow[]): void {
    for (const n of notices) {
      if (this.pushed.has(n.id)) continue;
      this.pushed.add(n.id);
      const id = BigInt(n.id);
      if (id > this.highest) this.highest = id;
      for (const l of this.listeners.get(this.key(n.siteId, n.memberId)) ?? []) l(n);
    }
    // Forget ids far behind the look-back window.
    if (this.pushed.size > 20_000) {
      const floor = this.highest - 5_000n;
      for (const id of this.pushed) if (BigInt(id) < floor) this.pushed.delete(id);
    }
  }

  /** One poll for notices written elsewhere. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      if (this.highest === 0n) this.highest = BigInt(await repo.maxNoticeId(this.db));
      // A short look-back: ids taken by transactions still committing are at most a few behind.
      const from = this.highest > 100n ? this.highest - 100n : 0n;
      this.publish(await repo.listRecentNotices(this.db, from.toString(), 1000));
    } finally {
      this.polling = false;
    }
  }

  private startPolling(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.poll().catch(() => {
        // The store is closing or briefly unavailable; the next poll tries again.
      });
    }, this.pollMs);
    this.timer.unref();
  }

  private stopPolling(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  close(): void {
    this.stopPolling();
    this.listeners.clear();
  }
}

const hubs = new WeakMap<Db, LiveHub>();

/** The hub of a store: routes and jobs of one process that share the store share the hub. */
export function hubFor(db: Db): LiveHub {
  let hub = hubs.get(db);
  if (!hub) {
    hub = new LiveHub(db);
    hubs.set(db, hub);
  }
  return hub;
}

const wakers = new WeakMap<Db, () => void>();

/**
 * Registers what delivers pending notices in this process (the server's scheduler does), so a
 * change can have its notices delivered at once instead of at the next poll.
 */
export function setDeliveryWaker(db: Db, wake: (() => void) | undefined): void {
  if (wake) wakers.set(db, wake);
  else wakers.delete(db);
}

/** Asks this process's delivery to run now; nothing happens where no delivery runs. */
export function wakeDelivery(db: Db): void {
  wakers.get(db)?.();
}
