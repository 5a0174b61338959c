import { OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { errorBodySchema } from '../../../src/api/openApiDocument';
import { createPaymentSchema } from '../../../src/api/paymentInput';
import { refundRequestSchema } from '../../../src/api/refundRouter';
import { refundViewSchema } from '../../../src/core/payments/refund';
import type { Processor } from '../../../src/ports/processor';
import { SandboxProcessor } from '../../../src/adapters/processors/sandboxProcessor';
import { createdPaymentViewSchema, paymentViewSchema } from '../../../src/core/payments/paymentView';
import type { GatewayOptions } from '../../../src/app/server';
import { API_KEY, STORE_KINDS, startTestGateway, type TestGateway } from '../../support/harness';
import { enterCard, enterPayCode } from '../../support/voiceCalls';

type Json = any;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Every `$ref` anywhere in a JSON value. */
function refsIn(value: Json, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, found));
  else if (value && typeof value === 'object') {
    if (typeof value.$ref === 'string') found.push(value.$ref);
    Object.values(value).forEach((v) => refsIn(v, found));
  }
  return found;
}

/** Follows a local JSON pointer (`#/components/schemas/Payment`); undefined when it leads nowhere. */
function resolvePointer(doc: Json, ref: string): Json {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((node: Json, key) => (node && typeof node === 'object' ? node[key] : undefined), doc);
}

function operationsOf(doc: Json): Array<{ path: string; method: string; operation: Json }> {
  return Object.entries(doc.paths as Record<string, Json>).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ path, method, operation: item[method] })),
  );
}

/**
 * A validator for one schema of the served document, built by zod's own JSON Schema reader from the
 * document's JSON alone (ajv is not installed): what it checks is what the document says, not what the
 * gateway's schemas say.
 */
function documentValidator(doc: Json, schema: Json): z.ZodType {
  const local = (value: Json) => JSON.parse(JSON.stringify(value).replaceAll('"#/components/schemas/', '"#/$defs/'));
  return z.fromJSONSchema({ $schema: 'https://json-schema.org/draft/2020-12/schema', ...local(schema), $defs: local(doc.components.schemas) } as Json);
}

/** The operation the document lists for a concrete method and path. */
function operationFor(doc: Json, method: string, path: string): Json {
  const pathOnly = path.split('?')[0]!;
  const match = operationsOf(doc).find(
    (o) => o.method === method.toLowerCase() && new RegExp(`^${o.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(pathOnly),
  );
  if (!match) throw new Error(`the document has no ${method} ${pathOnly}`);
  return match.operation;
}

interface Answer {
  status: number;
  contentType: string;
  body: Json;
}

/** What the document says about an answer: its status is listed, its media type too, and its body fits the schema. */
function expectDocumented(doc: Json, method: string, path: string, answer: Answer): void {
  const operation = operationFor(doc, method, path);
  const response = operation.responses[String(answer.status)];
  expect({ status: answer.status, documented: Object.keys(operation.responses) }).toEqual({
    status: answer.status,
    documented: expect.arrayContaining([String(answer.status)]),
  });
  const resolved = response.$ref ? resolvePointer(doc, response.$ref) : response;
  const mediaType = answer.contentType.split(';')[0]!.trim();
  expect(Object.keys(resolved.content ?? {})).toContain(mediaType);
  const parsed = documentValidator(doc, resolved.content[mediaType].schema).safeParse(answer.body);
  expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
}

describe('the OpenAPI document', () => {
  let tg: TestGateway;
  let doc: Json;
  beforeAll(async () => {
    tg = await startTestGateway('memory');
    doc = (await tg.api('GET', '/api/openapi.json')).body;
  });
  afterAll(async () => {
    await tg.close();
  });

  it('is structurally OpenAPI 3.1: version, info, paths, and every operation with responses and a unique operationId', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info).toEqual(expect.objectContaining({ title: expect.any(String), version: expect.any(String) }));
    const operations = operationsOf(doc);
    expect(operations.length).toBeGreaterThan(10);
    for (const { path, method, operation } of operations) {
      expect({ path, method, responses: Object.keys(operation.responses ?? {}).length > 0 }).toEqual({ path, method, responses: true });
      for (const [status, response] of Object.entries(operation.responses as Record<string, Json>)) {
        expect(status).toMatch(/^([1-5][0-9X]{2}|default)$/);
        expect({ path, method, status, described: typeof (response.$ref ? resolvePointer(doc, response.$ref) : response).description }).toEqual({
          path,
          method,
          status,
          described: 'string',
        });
      }
      // A path template's parameters are all declared, as required path parameters.
      const declared = (operation.parameters ?? []).filter((p: Json) => p.in === 'path');
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      expect(declared.map((p: Json) => p.name).sort()).toEqual(templated.sort());
      expect(declared.every((p: Json) => p.required === true)).toBe(true);
    }
    const ids = operations.map((o) => o.operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('resolves every $ref it holds, and names only security schemes it defines', () => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(5);
    expect(refs.filter((ref) => resolvePointer(doc, ref) === undefined)).toEqual([]);
    const schemes = [...doc.security, ...operationsOf(doc).flatMap((o) => o.operation.security ?? [])].flatMap((s: Json) => Object.keys(s));
    expect(schemes.filter((name) => !(name in doc.components.securitySchemes))).toEqual([]);
  });

  it('is generated from the schemas that validate the requests and shape the answers', () => {
    const generate = (schemas: z.ZodType[]) => new OpenApiGeneratorV31(schemas.map((schema) => ({ type: 'schema' as const, schema }))).generateComponents().components!.schemas!;
    const sources: Array<[string, () => z.ZodType]> = [
      ['CreatePaymentRequest', () => createPaymentSchema],
      ['Payment', () => paymentViewSchema],
      ['Refund', () => refundViewSchema],
      ['Error', () => errorBodySchema],
    ];
    for (const [name, source] of sources) {
      expect({ name, schema: doc.components.schemas[name] }).toEqual({ name, schema: generate([source()])[name] });
    }
    const refund = operationFor(doc, 'post', '/api/payments/pay_0000000000/refunds');
    const body = generate([refundRequestSchema.meta({ id: 'RefundRequest' })]);
    expect(refund.requestBody.content['application/json'].schema).toEqual(body.RefundRequest);
  });

  it('offers request examples that its own schema and the gateway both accept', async () => {
    const request = doc.paths['/api/payments'].post.requestBody.content['application/json'];
    const validator = documentValidator(doc, request.schema);
    const examples = Object.values(request.examples as Record<string, { value: Json }>).map((e) => e.value);
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) {
      expect(validator.safeParse(example).success).toBe(true);
      expect((await tg.api('POST', '/api/payments', example)).status).toBe(201);
    }
  });
});

/** An amount whose refund the processor refuses, for the 502 answer. */
const REFUSED_REFUND = '3.33';

/** The sandbox, except that its processor refuses a refund of `REFUSED_REFUND`. */
const refusingOneRefund: NonNullable<GatewayOptions['processor']> = ({ vault, store }) => {
  const sandbox = new SandboxProcessor(vault, store);
  const processor: Processor = {
    name: 'sandbox-refusing-one-refund',
    units: (amount, currency) => sandbox.units(amount, currency),
    charge: (request) => sandbox.charge(request),
    refund: (request) =>
      request.amount === REFUSED_REFUND
        ? Promise.resolve({ outcome: 'failed', code: 'refund_declined', message: 'The processor declined the refund.' })
        : sandbox.refund(request),
  };
  return processor;
};

describe.each(STORE_KINDS)('answers of the running gateway, held against the document (%s store)', (kind) => {
  let tg: TestGateway;
  let doc: Json;
  beforeAll(async () => {
    tg = await startTestGateway(kind, { processor: refusingOneRefund });
    doc = (await tg.api('GET', '/api/openapi.json')).body;
  });
  afterAll(async () => {
    await tg.close();
  });

  const send = async (method: 'GET' | 'POST', path: string, init: { body?: string; headers?: Record<string, string> } = {}): Promise<Answer> => {
    const res = await fetch(tg.gateway.url + path, {
      method,
      headers: { authorization: `Bearer ${API_KEY}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: JSON.parse(await res.text()) };
  };
  const documented = async (method: 'GET' | 'POST', path: string, init?: { body?: string; headers?: Record<string, string> }) => {
    const answer = await send(method, path, init);
    expectDocumented(doc, method, path, answer);
    return answer;
  };
  const paid = async (): Promise<string> => {
    const payment = await tg.createPayment({ amount: '20.00' });
    const call = tg.call();
    await enterPayCode(call, payment.payCode);
    await enterCard(call, '4242424242424242', 'visa');
    await call.press('1');
    return payment.id;
  };

  it('a created payment (201) fits CreatedPayment, in the document and in the schema the view is typed with', async () => {
    const created = await documented('POST', '/api/payments', { body: JSON.stringify({ amount: '12.34', currency: 'USD', description: 'Invoice 1042' }) });
    expect(created.status).toBe(201);
    expect(createdPaymentViewSchema.safeParse(created.body).success).toBe(true);
    const link = await documented('POST', '/api/payments', { body: JSON.stringify({ amount: '5.00', currency: 'USD', channel: 'link' }) });
    expect(link.status).toBe(201);
    expect(link.body.payUrl).toEqual(expect.any(String));
  });

  it('a read payment (200) fits Payment, pending and then paid and refunded', async () => {
    const pending = await tg.createPayment();
    const read = await documented('GET', `/api/payments/${pending.id}`);
    expect(read.status).toBe(200);
    expect(paymentViewSchema.safeParse(read.body).success).toBe(true);

    const id = await paid();
    const refund = await documented('POST', `/api/payments/${id}/refunds`, { body: JSON.stringify({ amount: '5.00' }), headers: { 'idempotency-key': 'doc-1' } });
    expect(refund.status).toBe(201);
    expect(refundViewSchema.safeParse(refund.body).success).toBe(true);
    const after = await documented('GET', `/api/payments/${id}`);
    expect(after.body).toMatchObject({ status: 'succeeded', card: { brand: 'visa', last4: '4242' }, amountRefunded: '5.00', refunds: [refund.body] });
    expect(paymentViewSchema.safeParse(after.body).success).toBe(true);
  });

  it('a refund the processor refuses (502) fits Error with the failed refund', async () => {
    const id = await paid();
    const refused = await documented('POST', `/api/payments/${id}/refunds`, { body: JSON.stringify({ amount: REFUSED_REFUND }) });
    expect(refused.status).toBe(502);
    expect(refused.body).toMatchObject({ error: { code: 'refund_failed' }, refund: { status: 'failed', amount: REFUSED_REFUND } });
    expect(errorBodySchema.safeParse(refused.body).success).toBe(true);
    expect(refundViewSchema.safeParse(refused.body.refund).success).toBe(true);
  });

  it('refusals (400, 401, 404, 409, 415, 422) fit Error with the status the document lists', async () => {
    const pending = await tg.createPayment();
    const id = await paid();
    const refusals = [
      await documented('POST', '/api/payments', { body: JSON.stringify({ amount: '12.345', currency: 'USD' }) }),
      await documented('POST', '/api/payments', { body: '{"amount":' }),
      await documented('GET', `/api/payments/${pending.id}`, { headers: { authorization: 'Bearer wrong' } }),
      await documented('GET', '/api/payments/pay_doesnotexist0000'),
      await documented('POST', `/api/payments/${pending.id}/refunds`, { body: '{}' }),
      await documented('POST', `/api/payments/${id}/refunds`, { body: 'amount=1', headers: { 'content-type': 'text/plain' } }),
      await documented('POST', '/api/payments', { body: 'amount=1', headers: { 'content-type': 'text/plain' } }),
      await documented('POST', `/api/payments/${id}/refunds`, { body: JSON.stringify({ amount: '1.00' }), headers: { 'idempotency-key': 'doc-2' } }),
      await documented('POST', `/api/payments/${id}/refunds`, { body: JSON.stringify({ amount: '2.00' }), headers: { 'idempotency-key': 'doc-2' } }),
    ];
    expect(refusals.map((r) => r.status)).toEqual([400, 400, 401, 404, 409, 415, 415, 201, 422]);
    for (const refusal of refusals.filter((r) => r.status >= 400)) expect(errorBodySchema.safeParse(refusal.body).success).toBe(true);
  });

  it('a body the document does not describe is refused by its schemas (the check can fail)', async () => {
    const created = await send('POST', '/api/payments', { body: JSON.stringify({ amount: '1.00', currency: 'USD' }) });
    const { payCode: _payCode, ...withoutPayCode } = created.body;
    for (const wrong of [withoutPayCode, { ...created.body, status: 'paid' }, { ...created.body, card: { brand: 'visa', last4: '424242' } }]) {
      expect(() => expectDocumented(doc, 'POST', '/api/payments', { ...created, body: wrong })).toThrow();
      expect(createdPaymentViewSchema.safeParse(wrong).success).toBe(false);
    }
    expect(() => expectDocumented(doc, 'POST', '/api/payments', { ...created, status: 418 })).toThrow();
    expect(() => expectDocumented(doc, 'POST', '/api/payments', { status: 400, contentType: 'application/json', body: { error: { code: 'x' } } })).toThrow();
  });
});
