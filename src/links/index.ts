/** What other capabilities may use of pay links: the service that creates them for an API payment. */
export type { PayLinkService } from './payLinkService';
