import { ConfigError, loadConfig } from './config/config';
import { FlowError } from './flows/loadFlows';
import { startGateway } from './server';

/** Starts the gateway from the environment; a bad configuration stops it with one line per problem. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) process.stderr.write(`config error: ${problem}\n`);
      process.exit(1);
    }
    throw error;
  }
  // Generated development secrets are shown once, here, and never logged.
  if (config.generated.apiKey) process.stderr.write(`API_KEY not set: generated for this run: ${config.generated.apiKey}\n`);
  const gateway = await startGateway({ env: { ...process.env, API_KEY: config.apiKey, VAULT_KEY: config.vaultKey.toString('base64') } });
  if (config.generated.vaultKey) {
    process.stderr.write('VAULT_KEY not set: generated a key for this run; stored card data will not survive a restart\n');
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    gateway.logger.info('shutting down', { signal });
    // The drain delay, then at most ~11 s of webhooks in flight, then closing Redis.
    const drainDelayMs = config.operations.shutdownDrainDelayMs;
    const force = setTimeout(() => process.exit(1), drainDelayMs + 15_000);
    force.unref();
    gateway.close({ drainDelayMs }).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof FlowError) {
    for (const line of error.message.split('\n')) process.stderr.write(`flow error: ${line}\n`);
  } else {
    process.stderr.write(`failed to start: ${(error as Error).message}\n`);
  }
  process.exit(1);
});
