/** What other capabilities may use of the embeddable status view: its part of the API document. */
export { EMBED_ERROR_CODES, registerEmbedPaths } from './embedOpenApi';
