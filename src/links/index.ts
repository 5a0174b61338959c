/** What other capabilities may use of pay links: the service that creates them (for an API payment or a chat). */
export type { ChatLinkRequest, PayLinkService } from './payLinkService';
export { WEB_FLOW } from './payLinkService';
