import express, { type Request, type Response, Router } from 'express';
import type { CaptureService, TurnInput } from '../core/capture/captureService';
import type { FlowRegistry } from '../core/capture/flowRegistry';
import type { Logger } from '../observability/logger';
import type { GatewayMetrics } from '../observability/metrics';
import { refuseRepeatedParameters } from '../core/twilio/singleValuedParameters';
import { requireTwilioSignature } from '../core/twilio/twilioSignature';
import { answerTwiml } from '../core/twilio/twimlAnswer';

export interface VoiceRouterDeps {
  capture: CaptureService;
  flows: FlowRegistry;
  logger: Logger;
  twilioAuthToken: string | null;
  publicBaseUrl: string;
  /** TwiML for "sorry, something went wrong": what the caller hears instead of an error. */
  apology: () => string;
  /** Longest a webhook may take; Twilio gives up at 15 s, so we answer well before. */
  deadlineMs: number;
  /** Where answer times go; optional so a router can be built without metrics. */
  metrics?: Pick<GatewayMetrics, 'webhookAnswered'>;
}

const CALL_SID = /^CA[0-9a-fA-F]{32}$/;
/** Statuses after which the caller is gone. */
const ENDED = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

/** The Twilio voice webhooks: every request signed, every answer TwiML, never a 500. */
export function voiceRouter(deps: VoiceRouterDeps): Router {
  const router = Router();
  router.use(express.urlencoded({ extended: false, limit: '20kb', parameterLimit: 200 }));
  router.use(refuseRepeatedParameters(deps.logger));
  router.use(requireTwilioSignature(deps.twilioAuthToken, deps.publicBaseUrl));

  const twiml = (work: (callSid: string, req: Request) => Promise<string>) => async (req: Request, res: Response) => {
    const callSid = String(req.body?.CallSid ?? '');
    const started = process.hrtime.bigint();
    let apologised = false;
    let answer: string;
    try {
      if (!CALL_SID.test(callSid)) throw new Error('webhook without a valid CallSid');
      answer = await withDeadline(work(callSid, req), deps.deadlineMs);
    } catch (error) {
      // The child logger is made here only: every answered webhook would pay for one it never uses.
      deps.logger.child({ callSid, path: req.path }).error('voice webhook failed; the caller hears an apology', { error });
      answer = deps.apology();
      apologised = true;
    }
    // The route pattern (`/payments/:paymentId`), never the path: ids stay out of metric labels.
    deps.metrics?.webhookAnswered(`/voice${String(req.route?.path ?? '')}`, Number(process.hrtime.bigint() - started) / 1e9, apologised);
    answerTwiml(res, answer);
  };

  router.post(
    '/incoming',
    twiml((callSid, req) => {
      const flowId = typeof req.query.flow === 'string' && deps.flows.has(req.query.flow) ? req.query.flow : undefined;
      const locale = typeof req.query.locale === 'string' ? req.query.locale : null;
      return deps.capture.startCall(callSid, { ...(flowId ? { flowId } : {}), locale });
    }),
  );

  router.post(
    '/payments/:paymentId',
    twiml((callSid, req) => deps.capture.startCall(callSid, { paymentId: String(req.params.paymentId) })),
  );

  router.post(
    '/capture',
    twiml((callSid, req) => {
      const turn = Number(req.query.turn);
      if (!Number.isSafeInteger(turn) || turn < 0) throw new Error('capture webhook without a turn');
      const digits = req.body?.Digits;
      const input: TurnInput =
        req.query.poll === '1' && digits === undefined
          ? { kind: 'poll' }
          : {
              kind: 'keys',
              digits: typeof digits === 'string' ? digits : '',
              finishedOnKey: typeof req.body?.FinishedOnKey === 'string' ? req.body.FinishedOnKey : '',
            };
      return deps.capture.takeTurn(callSid, turn, input);
    }),
  );

  router.post('/status', async (req, res) => {
    const callSid = String(req.body?.CallSid ?? '');
    const status = String(req.body?.CallStatus ?? '');
    try {
      if (CALL_SID.test(callSid) && ENDED.has(status)) await deps.capture.hangUp(callSid);
    } catch (error) {
      deps.logger.error('status callback failed', { callSid, status, error });
    }
    // Twilio ignores the body of a status callback; 204 tells it the callback arrived.
    res.status(204).end();
  });

  /** Twilio's fallback URL: called when a primary webhook failed or timed out. */
  router.post('/fallback', (_req, res) => {
    answerTwiml(res, deps.apology());
  });

  return router;
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`webhook took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
