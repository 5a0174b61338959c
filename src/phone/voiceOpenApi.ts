import type { OpenAPIRegistry, ResponseConfig, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

/** The form fields Twilio posts with every voice webhook (only those the gateway reads are listed). */
const twilioForm = z.object({
  CallSid: z.string().regex(/^CA[0-9a-fA-F]{32}$/),
  From: z.string().optional(),
  To: z.string().optional(),
  CallStatus: z.string().optional(),
});

const formBody = (schema: z.ZodObject) => ({ required: true, content: { 'application/x-www-form-urlencoded': { schema } } });

const TWIML: ResponseConfig = {
  description: 'TwiML for the caller. Failures are answered with an apology in TwiML, never a 5xx.',
  content: { 'text/xml': { schema: z.string(), example: '<Response>…</Response>' } },
};
/** Twilio sends each parameter once; its signature would not tell a repeated one apart. */
const REPEATED_PARAMETER: ResponseConfig = { description: 'A parameter came more than once: refused before anything reads it.' };
const BAD_SIGNATURE: ResponseConfig = { description: 'Missing or invalid X-Twilio-Signature.', content: { 'text/plain': { schema: z.string() } } };

type VoiceRoute = Pick<RouteConfig, 'path' | 'operationId' | 'summary' | 'description'> & Partial<Pick<RouteConfig, 'request' | 'responses'>>;

/** The Twilio voice webhooks: form-encoded, signed, answered with TwiML. */
export function registerVoicePaths(registry: OpenAPIRegistry, paymentId: z.ZodString): void {
  const voice = ({ request = {}, responses = { 200: TWIML, 400: REPEATED_PARAMETER, 403: BAD_SIGNATURE }, ...route }: VoiceRoute) =>
    registry.registerPath({
      method: 'post',
      tags: ['voice'],
      security: [{ twilioSignature: [] }],
      ...route,
      request: { body: formBody(twilioForm), ...request },
      responses,
    });

  voice({
    path: '/voice/incoming',
    operationId: 'voiceIncoming',
    summary: 'A call to the self-service number',
    description: 'The caller is asked for the pay code. Set as the number\'s "A call comes in" webhook.',
    request: {
      query: z.object({
        flow: z.string().optional().meta({ param: { description: 'Flow to run; the default flow when unknown.' } }),
        locale: z.string().optional().meta({ param: { description: 'Language to speak when the flow has it.' }, example: 'es-US' }),
      }),
    },
  });
  voice({
    path: '/voice/payments/{id}',
    operationId: 'voicePayment',
    summary: 'A call sent to one payment',
    description: "The payment's voiceUrl: no pay code is asked; the payment is claimed by this call.",
    request: { params: z.object({ id: paymentId }) },
  });
  voice({
    path: '/voice/capture',
    operationId: 'voiceCapture',
    summary: 'Keys typed at a <Gather>, or a <Redirect> while on hold',
    description: 'Only ever reached through URLs in the TwiML the gateway returned.',
    request: {
      query: z.object({
        turn: z
          .number()
          .int()
          .min(0)
          .meta({ param: { description: 'The turn the TwiML was rendered for; stale or duplicate deliveries are answered as before.' } }),
        poll: z.literal('1').optional().meta({ param: { description: 'Set on <Redirect> URLs while the caller holds.' } }),
      }),
      body: formBody(
        twilioForm.extend({
          Digits: z.string().meta({ description: 'Keys typed, without the finish key; empty when the <Gather> timed out.' }).optional(),
          FinishedOnKey: z.enum(['', '#']).optional(),
        }),
      ),
    },
  });
  voice({
    path: '/voice/status',
    operationId: 'voiceStatus',
    summary: 'Call status callback',
    description: 'When the call ends the capture ends and whatever was entered is wiped.',
    request: {
      body: formBody(
        twilioForm.extend({ CallStatus: z.enum(['queued', 'ringing', 'in-progress', 'completed', 'busy', 'failed', 'no-answer', 'canceled']) }),
      ),
    },
    responses: { 204: { description: 'Received.' }, 400: REPEATED_PARAMETER, 403: BAD_SIGNATURE },
  });
  voice({
    path: '/voice/fallback',
    operationId: 'voiceFallback',
    summary: 'Fallback URL',
    description: 'Twilio calls it when a primary webhook failed; the caller hears an apology.',
  });
}
