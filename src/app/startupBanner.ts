import type { Config } from '../config/config';

/** The simulator command that drives calls into the gateway at `publicBaseUrl`. */
export function simulateCommand(publicBaseUrl: string, signed: boolean): string {
  return `npm run simulate -- --url ${publicBaseUrl} --api-key "$API_KEY"${signed ? ' --auth-token "$TWILIO_AUTH_TOKEN"' : ''}`;
}

/**
 * What a developer can do next with a gateway that just started, one line each. Generated secrets
 * appear here and nowhere else: this goes to the terminal, never to the log.
 */
export function nextSteps(config: Config): string[] {
  const base = config.http.publicBaseUrl;
  const store = config.redis.topology ? `redis (${config.redis.topology.mode})` : 'memory store';
  const lines = [
    `Card capture gateway ready at ${base} (${config.env}, ${store}, ${config.processor.kind} processor)`,
    `Agent panel:  ${base}/panel (agents sign in with their own key; with Redis, add agents with npm run agents -- add NAME)`,
    `OpenAPI:      ${base}/api/openapi.json`,
    `Start page:   ${base}/`,
    config.generated.apiKey
      ? `API key:      generated for this run; in the shell you run the simulator or curl from: export API_KEY=${config.generated.apiKey}`
      : 'API key:      the API_KEY you set; export it in the shell you run the simulator or curl from',
    `Try a call:   ${simulateCommand(base, config.twilio.authToken !== null)}`,
  ];
  if (config.processor.kind === 'stripe') {
    lines.push(
      config.processor.stripeWebhookSecret
        ? `Stripe events: add the endpoint ${base}/webhooks/stripe in Stripe's dashboard (payment_intent.succeeded, .payment_failed, .canceled, .processing)`
        : `Stripe events: STRIPE_WEBHOOK_SECRET not set: ${base}/webhooks/stripe answers 503 (not configured)`,
    );
  }
  if (config.generated.vaultKey) {
    lines.push('VAULT_KEY not set: generated a key for this run; stored card data will not survive a restart');
  }
  return lines;
}

/** The lines as one block for the terminal, set off by blank lines so it stands out from the log. */
export function startupBanner(lines: readonly string[]): string {
  return `\n${lines.map((line) => `  ${line}`).join('\n')}\n\n`;
}
