/** What a CLI run talks to: its environment and output streams, injectable so tests run it in-process. */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  out(text: string): void;
  err(text: string): void;
  /** Reads a secret typed by the user (a password); undefined when there is no terminal to ask. */
  prompt?(question: string): Promise<string | undefined>;
}

/** A failure the CLI reports as one line (the problem's detail) and a non-zero exit. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
