/**
 * What other capabilities may use of phone capture: the absolute URLs of the voice endpoints (a payment's
 * `voiceUrl`, where a bridge sends a caller to pay) and the voice endpoints' part of the API document.
 */
export { voiceUrls } from './voiceUrls';
export { registerVoicePaths } from './voiceOpenApi';
