import twilio from 'twilio';

/** The caller's (or a returning caller's) TwiML: into the bridge's conference, recorded when asked. */
export function conferenceTwiml(input: { conference: string; record: boolean; recordingCallback: string; statusCallback: string }): string {
  const response = new twilio.twiml.VoiceResponse();
  const dial = response.dial();
  dial.conference(
    {
      beep: 'false',
      startConferenceOnEnter: true,
      // The caller leaves the conference for the card capture: that must not end it.
      endConferenceOnExit: false,
      ...(input.record ? { record: 'record-from-start', recordingStatusCallback: input.recordingCallback, recordingStatusCallbackMethod: 'POST' } : {}),
      statusCallback: input.statusCallback,
      statusCallbackEvent: ['start', 'end'],
    },
    input.conference,
  );
  return response.toString();
}

/** What the agent hears while held: the configured music, or a quiet wait that repeats. */
export function holdTwiml(holdUrl: string, musicUrl: string | null): string {
  const response = new twilio.twiml.VoiceResponse();
  if (musicUrl) {
    response.play({ loop: 0 }, musicUrl);
  } else {
    response.pause({ length: 30 });
    response.redirect({ method: 'GET' }, holdUrl);
  }
  return response.toString();
}

/** The short announcement the agent hears when the caller leaves for the card capture. */
export function announceTwiml(): string {
  const response = new twilio.twiml.VoiceResponse();
  response.say('The customer is entering their card details. You will be reconnected when they finish.');
  return response.toString();
}
