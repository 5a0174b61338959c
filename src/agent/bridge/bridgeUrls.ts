/** Absolute URLs of the bridge's webhooks, built from the public base URL Twilio sees. */
export function bridgeUrls(publicBaseUrl: string) {
  const base = `${publicBaseUrl}/voice/bridge`;
  const q = (id: string) => `bridge=${encodeURIComponent(id)}`;
  return {
    inbound: () => base,
    rejoin: (id: string) => `${base}/rejoin?${q(id)}`,
    status: (id: string, leg: 'caller' | 'agent') => `${base}/status?${q(id)}&leg=${leg}`,
    recording: (id: string) => `${base}/recording?${q(id)}`,
    hold: () => `${base}/hold`,
    announce: () => `${base}/announce`,
  };
}

export type BridgeUrls = ReturnType<typeof bridgeUrls>;
