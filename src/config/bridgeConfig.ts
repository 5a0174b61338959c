/** Settings of agent-assisted payments: the call bridge and the agent panel. */
export interface BridgeSettings {
  /** Record the bridge's conference (paused during every card capture). */
  readonly record: boolean;
  /** Audio the agent hears on hold; null: a quiet wait. */
  readonly holdMusicUrl: string | null;
  /** Flow of captures started from the panel. */
  readonly agentFlow: string;
  /** `twilio` (REST API; needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN) or `fake` (local runs). */
  readonly callControl: 'twilio' | 'fake';
}

/** Every problem with the bridge variables, one line each. */
export function bridgeProblems(env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  const record = env.RECORD_BRIDGE?.trim();
  if (record && !['true', 'false'].includes(record)) problems.push('RECORD_BRIDGE: must be true or false');
  const music = env.HOLD_MUSIC_URL?.trim();
  if (music && !/^https:\/\/\S+$/.test(music)) problems.push('HOLD_MUSIC_URL: must be an https:// URL');
  const control = env.CALL_CONTROL?.trim();
  if (control && !['twilio', 'fake'].includes(control)) problems.push('CALL_CONTROL: must be twilio or fake');
  if (control === 'twilio' && !(env.TWILIO_ACCOUNT_SID?.trim() && env.TWILIO_AUTH_TOKEN?.trim())) {
    problems.push('CALL_CONTROL: twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN');
  }
  if ((env.NODE_ENV ?? '').trim() === 'production' && control === 'fake') problems.push('CALL_CONTROL: fake is for development only');
  return problems;
}

/** The bridge settings; call after bridgeProblems found nothing. */
export function bridgeSettings(env: NodeJS.ProcessEnv): BridgeSettings {
  const control = env.CALL_CONTROL?.trim();
  const twilioReady = Boolean(env.TWILIO_ACCOUNT_SID?.trim() && env.TWILIO_AUTH_TOKEN?.trim());
  return Object.freeze({
    record: env.RECORD_BRIDGE?.trim() === 'true',
    holdMusicUrl: env.HOLD_MUSIC_URL?.trim() || null,
    agentFlow: env.AGENT_FLOW?.trim() || 'agent-assisted',
    // Without Twilio credentials nothing real can be controlled: the fake lets a developer try the bridge.
    callControl: control === 'twilio' || control === 'fake' ? control : twilioReady ? 'twilio' : 'fake',
  });
}
