import { ConfigError, loadConfig } from './config/config';
import { loadEnvFile } from './config/envFile';
import { FlowError } from './core/flows/loadFlows';
import { startGateway } from './app/server';
import { nextSteps, startupBanner } from './app/startupBanner';

/** Starts the gateway from the environment; a bad configuration stops it with one line per problem. */
async function main(): Promise<void> {
  const envFileRead = loadEnvFile('.env');
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
  const gateway = await startGateway({ config });
  if (gateway.config.env !== 'production') {
    const lines = nextSteps(gateway.config);
    if (config.env === 'development') {
      const first = await gateway.agents.firstAgent(new Date());
      if (first) lines.push(`Panel agent:  no agent yet, so "${first.account.name}" was created for development; its key, shown only now: ${first.key}`);
    }
    if (envFileRead) lines.push('Settings:     read from .env; variables set in the environment win over it');
    process.stderr.write(startupBanner(lines));
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
