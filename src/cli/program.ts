import { Command, CommanderError, Option } from 'commander';
import { readConfig } from '../config.ts';
import { AppError } from '../features/errors.ts';
import { bookCommand, cancelCommand, loginCommand, lsCommand } from './api-commands.ts';
import { registerDoorCommands } from './door-commands.ts';
import { registerQuotaCommands, registerWaitlistCommands } from './fair-use-commands.ts';
import { registerIntegrationCommands } from './integration-commands.ts';
import { CliError, type CliIo } from './io.ts';
import { collect } from './lookups.ts';
import { registerNightCommands } from './night-commands.ts';
import { registerPartnerCommands } from './partner-commands.ts';
import { registerReportCommands } from './report-commands.ts';
import {
  adminCreateCommand,
  demoCommand,
  exportCommand,
  importCommand,
  migrateCommand,
  serveCommand,
} from './store-commands.ts';

function buildProgram(io: CliIo): Command {
  // Read lazily: a bad PORT should not break `shipshape ls`.
  const config = () => readConfig(io.env);
  const program = new Command('shipshape')
    .description('Book and run the shared facilities of a crew')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError();

  program
    .command('serve')
    .description('Run the server (migrates; on an empty store creates the first admin and the demo)')
    .option('--no-demo', 'do not load the demo vessel on first start')
    .action((o: { demo: boolean }) => serveCommand(config(), o));

  program
    .command('migrate')
    .description('Apply pending migrations to the store')
    .action(() => migrateCommand(config(), io));

  program
    .command('admin')
    .description('Administer the store')
    .command('create')
    .description('Create an admin; in a new site when the store is empty or --site-name is given')
    .requiredOption('--email <email>', 'their sign-in email')
    .requiredOption('--name <name>', 'their display name')
    .option('--password <password>', 'their password (default: a random one, printed once)')
    .option('--site <id>', 'the site (needed when the store holds several)')
    .option(
      '--site-name <name>',
      'create a new site of this name (even when the store holds others) with the admin in it',
    )
    .action((o) => adminCreateCommand(config(), io, o));

  program
    .command('demo')
    .description('Load the demo vessel (into a new site when the store is empty)')
    .option('--site <id>', 'load into this existing site')
    .action((o) => demoCommand(config(), io, o));

  program
    .command('export')
    .description('Write every row of one site as JSON')
    .option('--site <id>', 'the site id or name (needed when the store holds several)')
    .option('--out <file>', 'write to a file (mode 0600) instead of stdout')
    .option('--no-secrets', 'leave password hashes, token hashes and other secrets out (null)')
    .action((o) => exportCommand(config(), io, o));

  program
    .command('import')
    .description('Load a site export into an empty store')
    .argument('<file>', 'a file written by `shipshape export`')
    .action((file: string) => importCommand(config(), io, file));

  program
    .command('login')
    .description('Sign in to a server and save its URL and a token in ~/.config/shipshape')
    .option('--url <url>', 'the server (default SHIPSHAPE_URL or http://localhost:8080)')
    .option('--email <email>')
    .option('--password <password>', 'default SHIPSHAPE_PASSWORD, else asked')
    .option('--token <token>', 'save an existing API token instead of signing in')
    .action((o) => loginCommand(io, o));

  program
    .command('book')
    .description('Book a space (through the API)')
    .requiredOption('--space <name|id>', 'the space (its name, the start of its name, or its id)')
    .requiredOption('--start <time>', 'RFC 3339, or "YYYY-MM-DD HH:MM" in the site\'s zone')
    .requiredOption('--end <time>', 'as --start')
    .requiredOption('--title <title>', 'what it is for')
    .option('--headcount <n>', 'how many people')
    .option('--private', 'others see only "busy" (the default in a private cabin)')
    .option('--public', 'everyone sees the details, also in a private cabin')
    .option('--with <member>', 'a participant by name, email or id (repeatable, or comma-separated)', collect)
    .option('--squad <squad>', 'a squad taking part, by name or id (repeatable)', collect)
    .option('--json', 'print the booking as JSON')
    .action((o) => bookCommand(io, o));

  program
    .command('ls')
    .description('List bookings (through the API)')
    .option('--space <name|id>')
    .option('--from <time>', 'RFC 3339, or "YYYY-MM-DD HH:MM" in the site\'s zone (default: today)')
    .option('--to <time>', 'as --from (default: a week after today, when --from is not given either)')
    .option('--mine', 'only bookings I organize or take part in')
    .addOption(new Option('--json', 'print JSON'))
    .action((o) => lsCommand(io, o));

  program
    .command('cancel')
    .description('Cancel a booking (through the API)')
    .argument('<id>', 'the booking id')
    .option('--reason <reason>', "needed when an admin cancels someone else's booking")
    .action((id: string, o: { reason?: string }) => cancelCommand(io, id, o));

  registerNightCommands(program, io);
  registerDoorCommands(program, io);
  registerIntegrationCommands(program, io);
  registerPartnerCommands(program, io);
  registerWaitlistCommands(program, io);
  registerQuotaCommands(program, io);
  registerReportCommands(program, io);
  return program;
}

/** Runs the CLI on `argv` (without node and script); answers the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof CliError) {
      io.err(`shipshape: ${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof AppError) {
      const field = typeof err.extras.field === 'string' ? ` [${err.extras.field}]` : '';
      io.err(`shipshape: ${err.message}${field}\n`);
      return 1;
    }
    io.err(`shipshape: ${(err as Error)?.message ?? String(err)}\n`);
    return 1;
  }
}
