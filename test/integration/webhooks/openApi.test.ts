import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { startTestGateway, type TestGateway } from '../../support/harness';
import { eventually } from '../../support/eventually';
import { enterPayCode } from '../../support/voiceCalls';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhookReceiver';

type Json = any;

/**
 * Checks answers against the served document with ajv, an independent JSON Schema validator: what is
 * checked is what the document says, not what the gateway's own zod schemas say.
 */
function validatorOf(doc: Json) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'doc', components: doc.components });
  const local = (schema: Json) => JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/'));
  return (schema: Json, value: unknown): unknown[] => {
    const validate = ajv.compile(local(schema));
    return validate(value) ? [] : (validate.errors ?? []);
  };
}

describe('the webhook endpoints and events in the OpenAPI document', () => {
  let tg: TestGateway;
  let receiver: WebhookReceiver;
  let doc: Json;
  let check: ReturnType<typeof validatorOf>;

  beforeAll(async () => {
    tg = await startTestGateway('memory');
    receiver = await startWebhookReceiver();
    doc = (await tg.api('GET', '/api/openapi.json')).body;
    check = validatorOf(doc);
  });
  afterAll(async () => {
    await tg.close();
    await receiver.close();
  });

  const schemaOf = (path: string, method: string, status: number) => {
    const response = doc.paths[path]?.[method]?.responses?.[String(status)];
    if (!response) throw new Error(`the document lists no ${status} for ${method} ${path}`);
    return response.content['application/json'].schema;
  };

  it('describes every answer of /api/webhooks, and the event each delivery posts', async () => {
    const created = await tg.api('POST', '/api/webhooks', { url: receiver.url, description: 'doc' });
    expect(created.status).toBe(201);
    expect(check(schemaOf('/api/webhooks', 'post', 201), created.body)).toEqual([]);
    receiver.secret = created.body.secret;
    const id = created.body.id;

    const refused = await tg.api('POST', '/api/webhooks', { url: 'http://example.com' });
    expect(check(schemaOf('/api/webhooks', 'post', 400), refused.body)).toEqual([]);
    expect(check(schemaOf('/api/webhooks', 'get', 200), (await tg.api('GET', '/api/webhooks')).body)).toEqual([]);
    expect(check(schemaOf('/api/webhooks/{id}', 'get', 200), (await tg.api('GET', `/api/webhooks/${id}`)).body)).toEqual([]);
    expect(check(schemaOf('/api/webhooks/{id}', 'get', 404), (await tg.api('GET', '/api/webhooks/we_000000000000000000000000')).body)).toEqual([]);

    const payment = await tg.createPayment();
    await enterPayCode(tg.call(), payment.payCode);
    await eventually(async () => receiver.events().length > 0, 20_000, 'an event');
    const eventSchema = doc.webhooks.paymentEvent.post.requestBody.content['application/json'].schema;
    expect(check(eventSchema, receiver.events()[0])).toEqual([]);
    const deliveries = await tg.api('GET', `/api/webhooks/${id}/deliveries`);
    expect(deliveries.body.data.length).toBeGreaterThan(0);
    expect(check(schemaOf('/api/webhooks/{id}/deliveries', 'get', 200), deliveries.body)).toEqual([]);

    // The check can fail: an event without its sequence does not fit.
    const { sequence: _sequence, ...unnumbered } = receiver.events()[0].data;
    expect(check(eventSchema, { ...receiver.events()[0], data: unnumbered })).not.toEqual([]);
  });
});
