const text = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value ? value : undefined;
};

/**
 * What production refuses beyond its missing secrets: settings whose development default would be
 * unsafe with real callers, one `NAME: reason` line each. Malformed values are left to the other
 * checks, so a variable is never reported twice.
 */
export function productionProblems(env: NodeJS.ProcessEnv): string[] {
  if (text(env, 'NODE_ENV') !== 'production') return [];
  const problems: string[] = [];

  const publicBaseUrl = text(env, 'PUBLIC_BASE_URL');
  if (publicBaseUrl === undefined) {
    problems.push('PUBLIC_BASE_URL: required when NODE_ENV=production (the https:// URL Twilio calls)');
  } else if (/^http:\/\//.test(publicBaseUrl)) {
    // Gather actions are built from it: over http Twilio would post the caller's card digits in clear text.
    problems.push('PUBLIC_BASE_URL: must be https:// when NODE_ENV=production (Twilio posts the keypad digits to it)');
  }

  // A blank PROCESSOR is already refused as not one of the adapters.
  if (env.PROCESSOR === undefined) {
    problems.push('PROCESSOR: required when NODE_ENV=production (sandbox, stripe or connector)');
  }

  // With an agent to dial and no call control named, missing credentials would select the in-memory
  // fake: agents would start captures on calls that never move. A missing auth token is already
  // reported as a required secret, and CALL_CONTROL=twilio or fake has rules of its own.
  if (text(env, 'AGENT_DIAL') !== undefined && text(env, 'CALL_CONTROL') === undefined && text(env, 'TWILIO_ACCOUNT_SID') === undefined) {
    problems.push('TWILIO_ACCOUNT_SID: required when AGENT_DIAL is set and NODE_ENV=production (the call bridge moves live calls through Twilio)');
  }
  return problems;
}
