import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../db/store.ts';
import type { Clock } from '../../domain/clock.ts';
import type { MqttClient } from '../../mqtt/client.ts';
import { wakeDelivery } from '../notifications/live.ts';
import { commandPayload, parseAvailability, parseState } from './protocol.ts';
import type { DoorAction, LockState } from './repository.ts';
import * as repo from './repository.ts';
import { claimDueRelocks, noteSeen, recordAvailability, recordReport } from './service.ts';

interface DoorRef {
  siteId: string;
  id: string;
}

export interface DoorLinkOptions {
  /** How long a lock has to confirm a command. */
  confirmMs: number;
  /** How often "still there" is written for a door whose state does not change. */
  seenEveryMs?: number;
}

/**
 * One server process's connection to the locks: it subscribes to every door's state and
 * availability topics, applies what the locks report (once, however many processes hear it: see
 * recordReport), and publishes the commands this process's requests and relocks ask for.
 *
 * Messages of one door are applied in order. A report that repeats the state already applied is not
 * written again (only "seen", at most every 30 s), unless this process is waiting for that door to
 * confirm a command: so 200 doors reporting every second cost almost nothing.
 */
export class DoorLink {
  private readonly byTopic = new Map<string, DoorRef[]>();
  private readonly applied = new Map<string, { lockState: LockState | null; contact: boolean | null }>();
  private readonly seenWritten = new Map<string, number>();
  private readonly watchUntil = new Map<string, number>();
  private readonly chains = new Map<string, Promise<void>>();
  private subscribed = new Set<string>();
  private closed = false;
  private readonly listeners = new Set<(ref: DoorRef) => void>();

  constructor(
    private readonly client: MqttClient,
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly log: Pick<FastifyBaseLogger, 'error' | 'warn'>,
    private readonly opts: DoorLinkOptions,
  ) {}

  /** Subscribes to the doors in the store and starts applying their messages. */
  async start(): Promise<void> {
    this.client.on('message', (topic, payload) => this.onMessage(topic, payload));
    // After a reconnect with a clean session the subscriptions are gone: make them again.
    this.client.on('connect', () => {
      this.subscribed = new Set();
      this.syncTopics().catch((err: unknown) => this.log.warn({ err }, 'door topics: resubscribe failed'));
    });
    await this.syncTopics();
  }

  /** Subscribes to doors added (and leaves doors removed) since the last call, in any process. */
  async syncTopics(): Promise<void> {
    if (this.closed) return;
    const doors = await repo.listDoorTopics(this.db);
    this.byTopic.clear();
    for (const d of doors) {
      const list = this.byTopic.get(d.topic) ?? [];
      list.push({ siteId: d.siteId, id: d.id });
      this.byTopic.set(d.topic, list);
    }
    const wanted = new Set<string>();
    for (const t of this.byTopic.keys()) wanted.add(t).add(`${t}/availability`);
    const add = [...wanted].filter((t) => !this.subscribed.has(t));
    const drop = [...this.subscribed].filter((t) => !wanted.has(t));
    if (add.length > 0) await this.client.subscribeAsync(add, { qos: 1 });
    if (drop.length > 0) await this.client.unsubscribeAsync(drop);
    this.subscribed = wanted;
  }

  /** Calls `listener` after a door's reported state was applied in this process. */
  onChange(listener: (ref: DoorRef) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Publishes a command to a door's lock, and watches the door's reports closely until the
   * request's deadline so that a confirming report is applied even if it repeats the state.
   */
  async send(ref: DoorRef, topic: string, action: DoorAction): Promise<void> {
    const key = `${ref.siteId}/${ref.id}`;
    const until = this.clock.now().getTime() + this.opts.confirmMs;
    this.watchUntil.set(key, Math.max(this.watchUntil.get(key) ?? 0, until));
    await this.client.publishAsync(`${topic}/set`, commandPayload(action), { qos: 1 });
  }

  /** Sends the automatic relocks that are due (claimed once across processes). */
  async relockDue(now: Date): Promise<number> {
    const due = await claimDueRelocks(this.db, now, this.opts.confirmMs);
    for (const d of due) await this.send({ siteId: d.siteId, id: d.doorId }, d.topic, 'lock');
    return due.length;
  }

  private onMessage(topic: string, payload: Buffer): void {
    let base = topic;
    let kind: 'state' | 'availability' = 'state';
    if (!this.byTopic.has(topic) && topic.endsWith('/availability')) {
      base = topic.slice(0, -'/availability'.length);
      kind = 'availability';
    }
    const doors = this.byTopic.get(base);
    if (!doors) return;
    for (const ref of doors) {
      const key = `${ref.siteId}/${ref.id}`;
      const previous = this.chains.get(key) ?? Promise.resolve();
      const next = previous
        .then(() =>
          kind === 'state' ? this.applyState(ref, key, payload) : this.applyAvailability(ref, payload),
        )
        .catch((err: unknown) => {
          if (!this.closed) this.log.error({ err, topic }, 'a door report could not be applied');
        });
      this.chains.set(key, next);
      void next.finally(() => {
        if (this.chains.get(key) === next) this.chains.delete(key);
      });
    }
  }

  private async applyState(ref: DoorRef, key: string, payload: Buffer): Promise<void> {
    const report = parseState(payload);
    if (!report || this.closed) return;
    const now = this.clock.now();
    const known = this.applied.get(key);
    const same =
      known !== undefined &&
      (report.lockState ?? known.lockState) === known.lockState &&
      (report.contact ?? known.contact) === known.contact;
    const watching = (this.watchUntil.get(key) ?? 0) > now.getTime();
    if (same && !watching) {
      const everyMs = this.opts.seenEveryMs ?? 30_000;
      if (now.getTime() - (this.seenWritten.get(key) ?? 0) >= everyMs) {
        this.seenWritten.set(key, now.getTime());
        await noteSeen(this.db, ref, now, everyMs);
      }
      return;
    }
    if (!watching) this.watchUntil.delete(key);
    const after = await recordReport(this.db, ref, report, now);
    if (!after) return;
    this.applied.set(key, after);
    this.seenWritten.set(key, now.getTime());
    // A change may start an alarm episode or arm a relock: the scheduler plans their instants again
    // (and the notices of a forced-open alarm go out at once).
    wakeDelivery(this.db);
    for (const l of this.listeners) l(ref);
  }

  private async applyAvailability(ref: DoorRef, payload: Buffer): Promise<void> {
    const online = parseAvailability(payload);
    if (online === undefined || this.closed) return;
    await recordAvailability(this.db, ref, online, this.clock.now());
    // After being away the next report is applied in full.
    if (!online) this.applied.delete(`${ref.siteId}/${ref.id}`);
    wakeDelivery(this.db);
    for (const l of this.listeners) l(ref);
  }

  /** Waits for the messages being applied (tests use it to know the store is up to date). */
  async settled(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.settled();
    await this.client.endAsync();
  }
}

const links = new WeakMap<Db, DoorLink>();

/** Registers (or forgets) the link of this process for a store; routes and tasks find it here. */
export function setDoorLink(db: Db, link: DoorLink | undefined): void {
  if (link) links.set(db, link);
  else links.delete(db);
}

/** This process's link to the locks of a store, if it runs one. */
export function doorLinkFor(db: Db): DoorLink | undefined {
  return links.get(db);
}
