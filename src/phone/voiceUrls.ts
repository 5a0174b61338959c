import type { VoiceUrls } from './renderTwiml';

/** URLs of the voice endpoints, absolute and built from the public base URL Twilio sees. */
export function voiceUrls(publicBaseUrl: string): VoiceUrls & { payment(id: string): string; incoming(): string; status(): string } {
  return {
    capture: (turn, options) => `${publicBaseUrl}/voice/capture?turn=${turn}${options?.poll ? '&poll=1' : ''}`,
    payment: (id) => `${publicBaseUrl}/voice/payments/${encodeURIComponent(id)}`,
    incoming: () => `${publicBaseUrl}/voice/incoming`,
    status: () => `${publicBaseUrl}/voice/status`,
  };
}
