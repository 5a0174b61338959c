import twilio from 'twilio';

/** The path of the relay's stream endpoint for one process: `/relay/<instanceId>/stream`. */
export const STREAM_PATH = /^\/relay\/([a-z0-9][a-z0-9-]{0,39})\/stream$/;

/**
 * The stream URL Twilio dials for a call this process owns: the public base URL in the WebSocket
 * scheme (https → wss), with this process's name in the path so a proxy routes both legs here.
 */
export function streamUrl(publicBaseUrl: string, instanceId: string): string {
  return `${publicBaseUrl.replace(/^http/, 'ws')}/relay/${instanceId}/stream`;
}

/** The name of the `<Parameter>` that carries a leg's stream token. */
export const TOKEN_PARAMETER = 'token';

/**
 * A leg's TwiML: a bidirectional stream to the relay, its single-use token as a parameter. Nothing
 * follows `<Connect>`: when the relay closes the socket, the leg's call ends.
 */
export function streamTwiml(url: string, token: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.connect().stream({ url }).parameter({ name: TOKEN_PARAMETER, value: token });
  return response.toString();
}
