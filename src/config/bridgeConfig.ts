import { randomBytes } from 'node:crypto';
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
  /**
   * How a bridge's audio flows: `conference` (a capture takes the caller out of a Twilio conference, the
   * agent on hold) or `relay` (both legs stream through this gateway, which masks the keypad tones).
   */
  readonly media: 'conference' | 'relay';
  /** This process's name in the relay's stream URLs, so a proxy sends both legs of a call to the process that owns it. */
  readonly relayInstanceId: string;
}

/** AGENT_DIAL, RECORD_BRIDGE, HOLD_MUSIC_URL, AGENT_FLOW, CALL_CONTROL, BRIDGE_MEDIA and RELAY_INSTANCE_ID, with the Twilio credentials they need. */
export const bridgeSchema = z
  .object({
    AGENT_DIAL: optional(
      z.string().regex(/^(\+[1-9]\d{6,14}|sip:.+|client:[A-Za-z0-9_.-]+)$/, 'must be a +E.164 number, a sip: address or a client: identity'),
    ),
    RECORD_BRIDGE: optional(z.enum(['true', 'false'], { message: 'must be true or false' })),
    HOLD_MUSIC_URL: optional(z.string().regex(/^https:\/\/\S+$/, 'must be an https:// URL')),
    AGENT_FLOW: optionalText,
    CALL_CONTROL: optional(z.enum(['twilio', 'fake'], { message: 'must be twilio or fake' })),
    BRIDGE_MEDIA: optional(z.enum(['conference', 'relay'], { message: 'must be conference or relay' })),
    RELAY_INSTANCE_ID: optional(z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be 1 to 40 lowercase letters, digits or dashes')),
    TWILIO_ACCOUNT_SID: readOnly,
    TWILIO_AUTH_TOKEN: readOnly,
    NODE_ENV: readOnly,
  })
  .superRefine((v, ctx) => {
    const twilioReady = isSet(v.TWILIO_ACCOUNT_SID) && isSet(v.TWILIO_AUTH_TOKEN);
    if (v.CALL_CONTROL === 'twilio' && !twilioReady) problem(ctx, 'CALL_CONTROL', 'twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN');
    if (v.BRIDGE_MEDIA === 'relay' && v.CALL_CONTROL === 'fake') problem(ctx, 'BRIDGE_MEDIA', 'relay places the agent’s call itself: it needs CALL_CONTROL=twilio');
    if (!isProduction(v.NODE_ENV)) return;
    if (v.CALL_CONTROL === 'fake') problem(ctx, 'CALL_CONTROL', 'fake is for development only');
    // With an agent to dial (or a relay, which places the agent's call itself) and no call control named,
    // missing credentials would select the in-memory fake: agents would start captures on calls that never
    // move. A missing auth token is already reported as a required secret, and CALL_CONTROL=twilio or fake
    // has rules of its own. (PUBLIC_BASE_URL must be https:// in production, so a relay's stream URL is wss://.)
    if ((v.AGENT_DIAL !== undefined || v.BRIDGE_MEDIA === 'relay') && v.CALL_CONTROL === undefined && !isSet(v.TWILIO_ACCOUNT_SID)) {
      const why = v.BRIDGE_MEDIA === 'relay' ? 'BRIDGE_MEDIA=relay' : 'AGENT_DIAL is set';
      problem(ctx, 'TWILIO_ACCOUNT_SID', `required when ${why} and NODE_ENV=production (the call bridge moves live calls through Twilio)`);
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
        media: v.BRIDGE_MEDIA ?? 'conference',
        // A name of its own per process when none is given: right for one process, and for a fleet whose
        // proxy learns the names (the README says how to route).
        relayInstanceId: v.RELAY_INSTANCE_ID ?? `gw-${randomBytes(4).toString('hex')}`,
      }),
  );
