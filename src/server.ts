import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CaptureService } from './capture/captureService';
import { CallSessionRepository } from './capture/callSession';
import { FlowRegistry } from './capture/flowRegistry';
import { loadConfig, type Config } from './config/config';
import { loadFlows } from './flows/loadFlows';
import { createApp } from './http/app';
import { createLogger, type Logger } from './logging/logger';
import { systemClock, type Clock } from './ports/clock';
import type { KeyValueStore } from './ports/keyValueStore';
import type { Processor } from './ports/processor';
import { PaymentRepository } from './payments/paymentRepository';
import { PaymentService } from './payments/paymentService';
import { SandboxProcessor } from './processors/sandboxProcessor';
import { MemoryStore } from './store/memoryStore';
import { RedisStore, connectRedis } from './store/redisStore';
import { createTwimlRenderer } from './telephony/renderTwiml';
import { voiceUrls } from './telephony/voiceUrls';
import { AesGcmVault } from './vault/aesGcmVault';

export interface GatewayOptions {
  /** Environment to configure from; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Overrides PORT; 0 picks a free port (and the public URL follows it unless PUBLIC_BASE_URL is set). */
  port?: number;
  host?: string;
  /** Where log lines go; stdout by default. */
  logStream?: NodeJS.WritableStream;
  clock?: Clock;
  /** Swaps the processor adapter (tests of slow or failing processors). */
  processor?: (parts: { vault: AesGcmVault; store: KeyValueStore }) => Processor;
}

export interface RunningGateway {
  url: string;
  config: Config;
  logger: Logger;
  store: KeyValueStore;
  capture: CaptureService;
  server: Server;
  close(): Promise<void>;
}

/** Payment records outlive their pay code by this much, so a business can still read the result. */
const PAYMENT_RETENTION_SECONDS = 30 * 86_400;
/** Twilio waits 15 s for a webhook; answering by 10 s leaves room for the network. */
const WEBHOOK_DEADLINE_MS = 10_000;

/**
 * The composition root: configuration → adapters → app → listening server. The only place that
 * picks concrete classes; everything below it receives its collaborators.
 */
export async function startGateway(options: GatewayOptions = {}): Promise<RunningGateway> {
  const env = { ...(options.env ?? process.env) };
  if (options.port !== undefined) env.PORT = String(options.port);
  const initial = loadConfig(env);
  const logger = createLogger({ level: initial.logLevel, ...(options.logStream ? { stream: options.logStream } : {}) });
  const flows = new FlowRegistry(loadFlows(initial.flowsDir), initial.defaultFlow);

  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(initial.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const config: Config =
    initial.port === 0 && !env.PUBLIC_BASE_URL
      ? Object.freeze({ ...initial, port, publicBaseUrl: `http://127.0.0.1:${port}` })
      : initial;

  let store: KeyValueStore;
  try {
    store = config.redisUrl ? new RedisStore(await connectRedis(config.redisUrl), config.redisKeyPrefix) : new MemoryStore();
  } catch (error) {
    server.close();
    throw error;
  }
  const clock = options.clock ?? systemClock;
  const vault = new AesGcmVault(store, config.vaultKey, { ttlSeconds: config.vaultTtlSeconds });
  const processor = options.processor
    ? options.processor({ vault, store })
    : new SandboxProcessor(vault, store, { latencyMs: config.sandboxLatencyMs });
  const payments = new PaymentService(new PaymentRepository(store, PAYMENT_RETENTION_SECONDS), clock);
  const render = createTwimlRenderer(voiceUrls(config.publicBaseUrl));
  const capture = new CaptureService({
    flows,
    sessions: new CallSessionRepository(store, config.sessionTtlSeconds),
    payments,
    vault,
    processor,
    clock,
    logger,
    render,
    processorTimeoutMs: config.processorTimeoutMs,
  });

  const app = createApp({
    store,
    logger,
    api: {
      payments,
      flows,
      clock,
      apiKey: config.apiKey,
      publicBaseUrl: config.publicBaseUrl,
      paymentTtlSeconds: config.paymentTtlSeconds,
    },
    voice: {
      capture,
      flows,
      logger,
      twilioAuthToken: config.twilioAuthToken,
      publicBaseUrl: config.publicBaseUrl,
      apology: () => capture.apology(),
      deadlineMs: WEBHOOK_DEADLINE_MS,
    },
  });
  server.on('request', app);

  if (config.env === 'production' && !env.PUBLIC_BASE_URL) {
    logger.warn(`PUBLIC_BASE_URL is not set: TwiML URLs and signature checks use ${config.publicBaseUrl}`);
  }
  if (!config.twilioAuthToken) {
    logger.warn('TWILIO_AUTH_TOKEN is not set: Twilio signatures are NOT checked (development only)');
  }
  logger.info('gateway listening', {
    port,
    publicBaseUrl: config.publicBaseUrl,
    store: config.redisUrl ? 'redis' : 'memory',
    processor: processor.name,
    flows: flows.ids(),
  });

  return {
    url: `http://127.0.0.1:${port}`,
    config,
    logger,
    store,
    capture,
    server,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await store.close();
    },
  };
}

export { loadConfig };
