import { randomBytes } from 'node:crypto';
import { connectMqtt, type MqttClient, type MqttCredentials } from '../../mqtt/client.ts';
import { parseCommand } from './protocol.ts';
import type { DoorAction, LockState } from './repository.ts';

/** One simulated lock: the Zigbee2MQTT convention of protocol.ts, answered like a real lock. */
export interface SimulatedLock {
  topic: string;
  hasContact: boolean;
  lockState: LockState;
  /** true = closed. */
  contact: boolean;
  online: boolean;
  /** A jammed lock stays online but does not act on commands (it never confirms). */
  jammed: boolean;
  /** Commands received, acted on or not. */
  commands: number;
}

export interface SimulatorOptions {
  /** How long the bolt takes to move after a command (default 20 ms). */
  answerDelayMs?: number;
  /** Republish each lock's state this often, as devices with periodic reporting do (0 = never). */
  reportEveryMs?: number;
  /** Called with a line describing each thing a lock does. */
  log?: (line: string) => void;
  /** The broker's user name and password, if it requires them. */
  credentials?: MqttCredentials;
}

/**
 * Simulated door locks with contact sensors on an MQTT broker: they publish availability and a
 * retained state on start, answer `<base>/set` commands by moving the bolt and reporting the new
 * state, and can be turned by hand, opened, taken offline or jammed, as the demo and the tests need.
 */
export class DoorSimulator {
  readonly locks = new Map<string, SimulatedLock>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly pending = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly client: MqttClient,
    private readonly opts: SimulatorOptions,
  ) {}

  static async start(
    url: string,
    locks: { topic: string; hasContact?: boolean; lockState?: LockState }[],
    opts: SimulatorOptions = {},
  ): Promise<DoorSimulator> {
    const client = await connectMqtt(url, {
      clientId: `shipshape-door-sim-${randomBytes(4).toString('hex')}`,
      ...opts.credentials,
    });
    const sim = new DoorSimulator(client, opts);
    client.on('message', (topic, payload) => sim.onCommand(topic, payload));
    for (const l of locks)
      sim.locks.set(l.topic, {
        topic: l.topic,
        hasContact: l.hasContact ?? true,
        lockState: l.lockState ?? 'locked',
        contact: true,
        online: true,
        jammed: false,
        commands: 0,
      });
    if (locks.length > 0)
      await client.subscribeAsync(
        locks.map((l) => `${l.topic}/set`),
        { qos: 1 },
      );
    for (const lock of sim.locks.values()) {
      await sim.publishAvailability(lock);
      await sim.publishState(lock);
    }
    // Each lock reports on its own phase of the period, as separate devices do, not all at once.
    const every = opts.reportEveryMs ?? 0;
    if (every > 0) {
      const all = [...sim.locks.values()];
      all.forEach((lock, i) => {
        const phase = setTimeout(
          () => {
            sim.pending.delete(phase);
            const timer = setInterval(() => {
              sim.publishState(lock).catch(() => undefined);
            }, every);
            timer.unref();
            sim.timers.push(timer);
          },
          (every * i) / all.length,
        );
        phase.unref();
        sim.pending.add(phase);
      });
    }
    return sim;
  }

  private lock(topic: string): SimulatedLock {
    const lock = this.locks.get(topic);
    if (!lock) throw new Error(`No simulated lock on ${topic}`);
    return lock;
  }

  private say(line: string): void {
    this.opts.log?.(line);
  }

  private onCommand(topic: string, payload: Buffer): void {
    if (!topic.endsWith('/set')) return;
    const lock = this.locks.get(topic.slice(0, -4));
    const action = parseCommand(payload);
    if (!lock || !action) return;
    lock.commands += 1;
    if (!lock.online || lock.jammed) {
      this.say(`${lock.topic}: ${action} ignored (${lock.online ? 'jammed' : 'offline'})`);
      return;
    }
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      lock.lockState = action === 'lock' ? 'locked' : 'unlocked';
      this.say(`${lock.topic}: ${lock.lockState} (command)`);
      this.publishState(lock).catch(() => undefined);
    }, this.opts.answerDelayMs ?? 20);
    this.pending.add(timer);
  }

  async publishState(lock: SimulatedLock): Promise<void> {
    if (!lock.online) return;
    const body: Record<string, unknown> = {
      state: lock.lockState === 'locked' ? 'LOCK' : 'UNLOCK',
      lock_state: lock.lockState,
      battery: 87,
      linkquality: 120,
    };
    if (lock.hasContact) body.contact = lock.contact;
    await this.client.publishAsync(lock.topic, JSON.stringify(body), { qos: 1, retain: true });
  }

  private async publishAvailability(lock: SimulatedLock): Promise<void> {
    await this.client.publishAsync(
      `${lock.topic}/availability`,
      JSON.stringify({ state: lock.online ? 'online' : 'offline' }),
      { qos: 1, retain: true },
    );
  }

  /** Republishes every online lock's state (periodic reporting). */
  async reportAll(): Promise<void> {
    for (const lock of this.locks.values()) await this.publishState(lock);
  }

  /** Someone turns the knob at the door. */
  async turn(topic: string, action: DoorAction): Promise<void> {
    const lock = this.lock(topic);
    lock.lockState = action === 'lock' ? 'locked' : 'unlocked';
    this.say(`${topic}: ${lock.lockState} (by hand)`);
    await this.publishState(lock);
  }

  /** The door is pushed open (false) or shut (true); only for locks with a contact sensor. */
  async setContact(topic: string, closed: boolean): Promise<void> {
    const lock = this.lock(topic);
    if (!lock.hasContact) throw new Error(`${topic} has no contact sensor`);
    lock.contact = closed;
    this.say(`${topic}: ${closed ? 'closed' : 'open'}`);
    await this.publishState(lock);
  }

  /** The lock drops off the network (or comes back, republishing its state). */
  async setOnline(topic: string, online: boolean): Promise<void> {
    const lock = this.lock(topic);
    lock.online = online;
    this.say(`${topic}: ${online ? 'online' : 'offline'}`);
    await this.publishAvailability(lock);
    if (online) await this.publishState(lock);
  }

  /** A jammed lock ignores commands while staying online. */
  setJammed(topic: string, jammed: boolean): void {
    this.lock(topic).jammed = jammed;
    this.say(`${topic}: ${jammed ? 'jammed' : 'free'}`);
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    for (const t of this.pending) clearTimeout(t);
    await this.client.endAsync();
  }
}
