// node --test --test-global-setup: servers start lazily in test/support/stack.ts and stop here, once per run.
import { after } from 'node:test';
import { stopAll } from './stack.ts';

export async function globalSetup(): Promise<void> {
  process.env.TZ ??= 'UTC';
  // Stop the servers when the last test has run: their sockets would otherwise keep the runner waiting.
  after(stopAll);
}

export async function globalTeardown(): Promise<void> {
  await stopAll();
}
