/** What other capabilities may use of merchant webhooks: their part of the API document. */
export { registerWebhookPaths, WEBHOOK_ERROR_CODES } from './webhookOpenApi';
/** The rules a URL the gateway sends anything to must meet (https, no private address in production): also a live call's return URL. */
export { endpointUrlProblem, resolveHost, type ResolveHost } from './endpointUrl';
/** `POST /webhooks/stripe`: the processor's own signed events, mounted by the composition root. */
export { processorEventsRouter, type ProcessorEventsRouterDeps } from './processorEventsRouter';
