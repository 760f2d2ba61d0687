import type { Command } from 'commander';
import { readConfig } from '../config.ts';
import { localDateTime } from '../domain/time.ts';
import { DoorSimulator } from '../features/doors/simulator.ts';
import { credentialOptions } from '../mqtt/client.ts';
import { type Api, answer, type Json, signedInApi } from './api-client.ts';
import { CliError, type CliIo } from './io.ts';
import { siteZone } from './lookups.ts';

/** `shipshape door …` (through the API) and `shipshape door-sim` (simulated locks on a broker). */

type Door = Json<'/api/v1/doors', 'get'>['items'][number];

async function listDoors(api: Api): Promise<Door[]> {
  return (await answer(api.GET('/api/v1/doors'))).items;
}

async function findDoor(api: Api, space: string): Promise<Door> {
  const items = await listDoors(api);
  const wanted = space.trim().toLowerCase();
  const found =
    items.find((d) => d.spaceId.toLowerCase() === wanted || d.id.toLowerCase() === wanted) ??
    items.find((d) => d.spaceName.toLowerCase() === wanted) ??
    items.filter((d) => d.spaceName.toLowerCase().startsWith(wanted)).at(0);
  if (!found)
    throw new CliError(`No door of ${space}; doors: ${items.map((d) => d.spaceName).join(', ') || 'none'}`);
  return found;
}

/** Sends the command, then follows the request until the lock confirms it or it times out. */
async function doorCommand(io: CliIo, space: string, action: 'lock' | 'unlock', o: { reason?: string }) {
  const api = signedInApi(io.env);
  const door = await findDoor(api, space);
  const accepted = await answer(
    api.POST(action === 'lock' ? '/api/v1/doors/{id}/lock' : '/api/v1/doors/{id}/unlock', {
      params: { path: { id: door.id } },
      body: o.reason ? { reason: o.reason } : {},
    }),
  );
  io.out(`${door.spaceName}: ${action} requested (${accepted.requestId})\n`);
  const giveUp = new Date(accepted.deadlineAt).getTime() + 3000;
  for (;;) {
    const now = await answer(api.GET('/api/v1/doors/{id}', { params: { path: { id: door.id } } }));
    const request = now.requests.find((r) => r.id === accepted.requestId);
    if (request?.status === 'confirmed') {
      io.out(`${door.spaceName}: ${now.state ?? 'state not shown'} (confirmed by the lock)\n`);
      return;
    }
    if (request?.status === 'timed_out')
      throw new CliError(
        `${door.spaceName}: the lock did not confirm in time; it shows ${now.state ?? 'state not shown'}`,
      );
    if (Date.now() > giveUp) throw new CliError(`${door.spaceName}: no outcome yet; see shipshape door ls`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

export function registerDoorCommands(program: Command, io: CliIo): void {
  const door = program.command('door').description('Doors of the spaces (through the API)');
  door
    .command('ls')
    .description('Doors with their lock state and whether you may open them now')
    .action(async () => {
      const api = signedInApi(io.env);
      const items = await listDoors(api);
      const zone = await siteZone(api);
      for (const d of items) {
        const contact = d.contact ? `, door ${d.contact}` : '';
        const alarms = d.alarms.map(
          (a) => ` ALARM ${a.kind} since ${localDateTime(new Date(a.since), zone).replace('T', ' ')}`,
        );
        const access = d.access.allowed ? 'you may open it' : (d.access.detail ?? 'not for you now');
        io.out(`${d.spaceName}: ${d.state ?? 'state not shown'}${contact}${alarms.join('')}  (${access})\n`);
      }
    });
  for (const action of ['unlock', 'lock'] as const)
    door
      .command(action)
      .description(`Ask the door of a space to ${action}, and wait for the lock to confirm`)
      .argument('<space>', 'the space (name, start of its name, or id)')
      .option('--reason <reason>', 'needed when an admin opens a door without a booking there')
      .action((space: string, o: { reason?: string }) => doorCommand(io, space, action, o));

  program
    .command('door-sim')
    .description(
      'Simulate door locks (with contact sensors) on an MQTT broker, answering commands like real locks',
    )
    .option(
      '--url <url>',
      'the broker (default SHIPSHAPE_MQTT_URL, else the embedded one at 127.0.0.1:SHIPSHAPE_MQTT_PORT)',
    )
    .option('--topic <topic...>', "locks' base topics (default: every door the signed-in server knows)")
    .option('--delay <ms>', 'how long the bolt takes to move', '300')
    .option('--report-every <seconds>', 'how often each lock reports its state unasked', '60')
    .action(async (o: { url?: string; topic?: string[]; delay: string; reportEvery: string }) => {
      const config = readConfig({ ...io.env, PORT: io.env.PORT ?? '8080' });
      const url = o.url ?? config.mqttUrl ?? `mqtt://127.0.0.1:${config.mqttPort || 1884}`;
      let locks: { topic: string; hasContact: boolean }[];
      let hidden = 0;
      if (o.topic?.length) locks = o.topic.map((topic) => ({ topic, hasContact: true }));
      else {
        const items = await listDoors(signedInApi(io.env));
        // Only the doors whose topic the signed-in member may see (an admin sees them all).
        locks = items.flatMap((d) => (d.topic ? [{ topic: d.topic, hasContact: d.hasContact }] : []));
        hidden = items.length - locks.length;
      }
      if (locks.length === 0)
        throw new CliError(
          hidden > 0
            ? "No doors to simulate: a lock's topic is shown only to the door's owner and admins; sign in as an admin, or give --topic"
            : 'No doors to simulate: give --topic, or add doors first',
        );
      const delay = Number(o.delay);
      if (!Number.isFinite(delay) || delay < 0) throw new CliError('--delay must be milliseconds');
      const every = Number(o.reportEvery);
      if (!Number.isFinite(every) || every <= 0)
        throw new CliError('--report-every must be a number of seconds');
      const sim = await DoorSimulator.start(url, locks, {
        answerDelayMs: delay,
        reportEveryMs: Math.round(every * 1000),
        log: (line) => io.out(`${line}\n`),
        credentials: credentialOptions(config.mqttUsername, config.mqttPassword),
      });
      io.out(
        `Simulating ${locks.length} lock(s) on ${url}: ${locks.map((l) => l.topic).join(', ')}\n` +
          'Type: unlock|lock|open|close|offline|online|jam|free <topic or its end>, list, quit\n',
      );
      await runConsole(sim, io);
      await sim.close();
    });
}

/** Reads commands from stdin until it ends or says quit (a SIGINT also ends it). */
async function runConsole(sim: DoorSimulator, io: CliIo): Promise<void> {
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: process.stdin, terminal: false });
  const stop = new Promise<void>((resolve) => {
    rl.on('close', () => resolve());
    process.once('SIGINT', () => rl.close());
  });
  rl.on('line', (line) => {
    const [verb, name] = line.trim().split(/\s+/);
    if (!verb) return;
    if (verb === 'quit' || verb === 'exit') return rl.close();
    if (verb === 'list') {
      for (const l of sim.locks.values())
        io.out(
          `${l.topic}: ${l.lockState}${l.hasContact ? `, ${l.contact ? 'closed' : 'open'}` : ''}${l.online ? '' : ', offline'}${l.jammed ? ', jammed' : ''}\n`,
        );
      return;
    }
    const topic = [...sim.locks.keys()].find((t) => t === name || (name && t.endsWith(name)));
    if (!topic) return io.err(`no lock ${name ?? ''}\n`);
    const act: Record<string, () => Promise<void> | void> = {
      unlock: () => sim.turn(topic, 'unlock'),
      lock: () => sim.turn(topic, 'lock'),
      open: () => sim.setContact(topic, false),
      close: () => sim.setContact(topic, true),
      offline: () => sim.setOnline(topic, false),
      online: () => sim.setOnline(topic, true),
      jam: () => sim.setJammed(topic, true),
      free: () => sim.setJammed(topic, false),
    };
    const run = act[verb];
    if (!run) return io.err(`unknown command ${verb}\n`);
    Promise.resolve(run()).catch((err: unknown) => io.err(`${(err as Error).message}\n`));
  });
  await stop;
}
