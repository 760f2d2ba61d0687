import { createInterface } from 'node:readline';
import type { CliIo } from './io.ts';
import { runCli } from './program.ts';

/** Asks for a password on the terminal without echoing it. */
function promptHidden(question: string): Promise<string | undefined> {
  if (!process.stdin.isTTY) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
    const muted = rl as unknown as { _writeToOutput: (s: string) => void };
    process.stdout.write(question);
    muted._writeToOutput = () => undefined;
    rl.question('', (answer) => {
      rl.close();
      process.stdout.write('\n');
      resolve(answer);
    });
  });
}

const io: CliIo = {
  env: process.env,
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  prompt: promptHidden,
};

process.exitCode = await runCli(process.argv.slice(2), io);
