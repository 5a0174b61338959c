/** What other capabilities may use of merchant webhooks: their part of the API document. */
export { registerWebhookPaths, WEBHOOK_ERROR_CODES } from './webhookOpenApi';
