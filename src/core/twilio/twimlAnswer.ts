import type { Response } from 'express';

/**
 * Answers a Twilio webhook with a TwiML document. Written with `end` rather than Express's `send`:
 * Twilio never revalidates a webhook's answer, so the ETag `send` would compute (a SHA-1 of every
 * document, and the freshness check after it) is work on every turn for nothing. Node still sets
 * the Content-Length of a body written in one piece.
 */
export function answerTwiml(res: Response, twiml: string): void {
  res.status(200).type('text/xml').end(twiml);
}
