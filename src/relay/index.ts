/** What other capabilities may use of the media relay. */
export type { StreamLeg } from './streamTokens';
