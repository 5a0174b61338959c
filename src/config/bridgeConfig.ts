import { z } from 'zod';
import { EVEN_WITH_MALFORMED_VALUES, isProduction, isSet, optional, optionalText, problem, readOnly } from './fields';

/** Settings of agent-assisted payments: the call bridge and the agent panel. */
export interface BridgeSettings {
  /** Whom the bridge dials for the agent; null: no agent leg. */
  readonly agentDial: string | null;
  /** Record the bridge's conference (paused during every card capture). */
  readonly record: boolean;
  /** Audio the agent hears on hold; null: a quiet wait. */
  readonly holdMusicUrl: string | null;
  /** Flow of captures started from the panel. */
  readonly agentFlow: string;
  /** `twilio` (REST API; needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN) or `fake` (local runs). */
  readonly callControl: 'twilio' | 'fake';
}

/** AGENT_DIAL, RECORD_BRIDGE, HOLD_MUSIC_URL, AGENT_FLOW and CALL_CONTROL, with the Twilio credentials they need. */
export const bridgeSchema = z
  .object({
    AGENT_DIAL: optional(
      z.string().regex(/^(\+[1-9]\d{6,14}|sip:.+|client:[A-Za-z0-9_.-]+)$/, 'must be a +E.164 number, a sip: address or a client: identity'),
    ),
    RECORD_BRIDGE: optional(z.enum(['true', 'false'], { message: 'must be true or false' })),
    HOLD_MUSIC_URL: optional(z.string().regex(/^https:\/\/\S+$/, 'must be an https:// URL')),
    AGENT_FLOW: optionalText,
    CALL_CONTROL: optional(z.enum(['twilio', 'fake'], { message: 'must be twilio or fake' })),
    TWILIO_ACCOUNT_SID: readOnly,
    TWILIO_AUTH_TOKEN: readOnly,
    NODE_ENV: readOnly,
  })
  .superRefine((v, ctx) => {
    const twilioReady = isSet(v.TWILIO_ACCOUNT_SID) && isSet(v.TWILIO_AUTH_TOKEN);
    if (v.CALL_CONTROL === 'twilio' && !twilioReady) problem(ctx, 'CALL_CONTROL', 'twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN');
    if (!isProduction(v.NODE_ENV)) return;
    if (v.CALL_CONTROL === 'fake') problem(ctx, 'CALL_CONTROL', 'fake is for development only');
    // With an agent to dial and no call control named, missing credentials would select the in-memory
    // fake: agents would start captures on calls that never move. A missing auth token is already
    // reported as a required secret, and CALL_CONTROL=twilio or fake has rules of its own.
    if (v.AGENT_DIAL !== undefined && v.CALL_CONTROL === undefined && !isSet(v.TWILIO_ACCOUNT_SID)) {
      problem(ctx, 'TWILIO_ACCOUNT_SID', 'required when AGENT_DIAL is set and NODE_ENV=production (the call bridge moves live calls through Twilio)');
    }
  }, EVEN_WITH_MALFORMED_VALUES)
  .transform(
    (v): BridgeSettings =>
      Object.freeze({
        agentDial: v.AGENT_DIAL ?? null,
        record: v.RECORD_BRIDGE === 'true',
        holdMusicUrl: v.HOLD_MUSIC_URL ?? null,
        agentFlow: v.AGENT_FLOW ?? 'agent-assisted',
        // Without Twilio credentials nothing real can be controlled: the fake lets a developer try the bridge.
        callControl: v.CALL_CONTROL ?? (isSet(v.TWILIO_ACCOUNT_SID) && isSet(v.TWILIO_AUTH_TOKEN) ? 'twilio' : 'fake'),
      }),
  );
