import type { DoorAction, LockState } from './repository.ts';

/**
 * The Zigbee2MQTT lock convention, as Shipshape speaks it (and the simulator answers it):
 * - command: `<base>/set` with `{"state":"LOCK"}` or `{"state":"UNLOCK"}`;
 * - state: published on `<base>` as JSON with `state` ("LOCK"/"UNLOCK"), `lock_state` ("locked",
 *   "unlocked", "not_fully_locked") and, for a door with a contact sensor, `contact` (true = closed);
 * - availability: `<base>/availability` as `{"state":"online"|"offline"}`, or plain `online`/`offline`
 *   from Zigbee2MQTT versions before 1.22.
 */

/** What one state message says; fields the device did not send are undefined. */
export interface StateReport {
  lockState?: LockState;
  contact?: boolean;
}

const lockStates: readonly string[] = ['locked', 'unlocked', 'not_fully_locked'];

/** The command payload for an action. */
export function commandPayload(action: DoorAction): string {
  return JSON.stringify({ state: action === 'lock' ? 'LOCK' : 'UNLOCK' });
}

/** The action a command payload asks for, or undefined when it is not a lock command. */
export function parseCommand(payload: Buffer | string): DoorAction | undefined {
  try {
    const body = JSON.parse(payload.toString()) as { state?: unknown };
    if (body.state === 'LOCK') return 'lock';
    if (body.state === 'UNLOCK') return 'unlock';
  } catch {
    // Not JSON: not a command we answer.
  }
  return undefined;
}

/**
 * Reads a state message. `lock_state` wins over `state` (it knows "not_fully_locked"); a message
 * that is not a JSON object, or says nothing about the lock or contact, is undefined.
 */
export function parseState(payload: Buffer | string): StateReport | undefined {
  let body: unknown;
  try {
    body = JSON.parse(payload.toString());
  } catch {
    return undefined;
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const b = body as { state?: unknown; lock_state?: unknown; contact?: unknown };
  const report: StateReport = {};
  if (typeof b.lock_state === 'string' && lockStates.includes(b.lock_state))
    report.lockState = b.lock_state as LockState;
  else if (b.state === 'LOCK') report.lockState = 'locked';
  else if (b.state === 'UNLOCK') report.lockState = 'unlocked';
  if (typeof b.contact === 'boolean') report.contact = b.contact;
  return report.lockState === undefined && report.contact === undefined ? undefined : report;
}

/** Reads an availability message: true online, false offline, undefined when unreadable. */
export function parseAvailability(payload: Buffer | string): boolean | undefined {
  const text = payload.toString().trim();
  let word: unknown = text;
  if (text.startsWith('{')) {
    try {
      word = (JSON.parse(text) as { state?: unknown }).state;
    } catch {
      return undefined;
    }
  }
  if (word === 'online') return true;
  if (word === 'offline') return false;
  return undefined;
}
