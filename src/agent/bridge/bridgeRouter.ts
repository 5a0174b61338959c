import express, { type Request, Router } from 'express';
import { BRIDGE_ID } from './bridge';
import type { BridgeService } from './bridgeService';
import { announceTwiml, holdTwiml } from './bridgeTwiml';
import type { Logger } from '../../observability/logger';
import { refuseRepeatedParameters } from '../../core/twilio/singleValuedParameters';
import { requireTwilioSignature } from '../../core/twilio/twilioSignature';
import { answerTwiml } from '../../core/twilio/twimlAnswer';

export interface BridgeRouterDeps {
  bridges: BridgeService;
  logger: Logger;
  twilioAuthToken: string | null;
  publicBaseUrl: string;
  /** TwiML for "sorry, something went wrong". */
  apology: () => string;
  holdMusicUrl: string | null;
  holdUrl: string;
  /** How new bridges carry their audio (BRIDGE_MEDIA). */
  media?: 'conference' | 'relay';
}

const CALL_SID = /^CA[0-9a-fA-F]{32}$/;
const RECORDING_SID = /^RE[0-9a-fA-F]{32}$/;
const CONFERENCE_SID = /^CF[0-9a-fA-F]{32}$/;

/** The agent bridge's Twilio webhooks (`/voice/bridge…`), signed like every voice webhook. */
export function bridgeRouter(deps: BridgeRouterDeps): Router {
  const router = Router();
  router.use(express.urlencoded({ extended: false, limit: '20kb', parameterLimit: 200 }));
  router.use(refuseRepeatedParameters(deps.logger));
  router.use(requireTwilioSignature(deps.twilioAuthToken, deps.publicBaseUrl));
  const field = (req: Request, name: string): string => (typeof req.body?.[name] === 'string' ? req.body[name] : '');

  router.post('/', async (req, res) => {
    const callSid = field(req, 'CallSid');
    try {
      if (!CALL_SID.test(callSid)) throw new Error('bridge webhook without a valid CallSid');
      const opened = await deps.bridges.open(callSid, field(req, 'To'), field(req, 'From'), deps.media ?? 'conference');
      answerTwiml(res, opened.twiml);
      // The caller already hears the conference's wait (or streams to the relay); the agent is dialled after the answer.
      if (opened.isNew) void deps.bridges.dialAgent(opened.bridge.id);
    } catch (error) {
      deps.logger.error('bridge webhook failed; the caller hears an apology', { callSid, error });
      answerTwiml(res, deps.apology());
    }
  });

  router.post('/rejoin', async (req, res) => {
    const bridgeId = String(req.query.bridge ?? '');
    try {
      const twiml = BRIDGE_ID.test(bridgeId) ? await deps.bridges.rejoin(bridgeId) : null;
      answerTwiml(res, twiml ?? deps.apology());
    } catch (error) {
      deps.logger.error('bridge rejoin failed', { bridgeId, error });
      answerTwiml(res, deps.apology());
    }
  });

  router.post('/status', async (req, res) => {
    const callSid = field(req, 'CallSid');
    const leg = req.query.leg === 'agent' ? 'agent' : 'caller';
    try {
      let bridgeId = String(req.query.bridge ?? '');
      // The number's own status callback names no bridge: find it by the caller's CallSid.
      if (!BRIDGE_ID.test(bridgeId) && leg === 'caller' && CALL_SID.test(callSid)) bridgeId = (await deps.bridges.findByCall(callSid))?.id ?? '';
      if (BRIDGE_ID.test(bridgeId)) {
        const conferenceSid = field(req, 'ConferenceSid');
        const status = field(req, 'CallStatus');
        await deps.bridges.legStatus(bridgeId, leg, {
          ...(CALL_SID.test(callSid) ? { callSid } : {}),
          ...(status ? { status } : {}),
          ...(CONFERENCE_SID.test(conferenceSid) ? { conferenceSid } : {}),
        });
      }
    } catch (error) {
      deps.logger.error('bridge status callback failed', { callSid, error });
    }
    res.status(204).end();
  });

  router.post('/recording', async (req, res) => {
    const bridgeId = String(req.query.bridge ?? '');
    const recordingSid = field(req, 'RecordingSid');
    const conferenceSid = field(req, 'ConferenceSid');
    try {
      if (BRIDGE_ID.test(bridgeId) && RECORDING_SID.test(recordingSid)) {
        await deps.bridges.recordingStarted(bridgeId, recordingSid, CONFERENCE_SID.test(conferenceSid) ? conferenceSid : null);
      }
    } catch (error) {
      deps.logger.error('recording status callback failed', { bridgeId, error });
    }
    res.status(204).end();
  });

  router.get('/hold', (_req, res) => answerTwiml(res, holdTwiml(deps.holdUrl, deps.holdMusicUrl)));
  router.post('/announce', (_req, res) => answerTwiml(res, announceTwiml()));
  return router;
}
