/**
 * The benchmark's baseline: the least a Twilio webhook endpoint can do in Express. It parses the form,
 * checks the signature and answers a fixed TwiML document of the gateway's typical size; the payments
 * endpoint answers a fixed pay code so the load generator runs the same call script against it.
 */
import express from 'express';
import twilio from 'twilio';

const port = Number(process.env.PORT ?? 3001);
const token = process.env.TWILIO_AUTH_TOKEN ?? '';
const base = `http://127.0.0.1:${port}`;

const response = new twilio.twiml.VoiceResponse();
response
  .gather({ input: ['dtmf'], action: `${base}/voice/capture?turn=2`, method: 'POST', finishOnKey: '#', timeout: 10, actionOnEmptyResult: true, numDigits: 4 })
  .say({ language: 'en-US', voice: 'Polly.Joanna' as never }, 'Please enter the expiration date as 4 digits: 2 for the month and 2 for the year. To go back, press star.');
const twiml = response.toString();

const app = express();
app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});
app.post('/api/payments', express.json(), (_req, res) => {
  res.status(201).json({ id: 'pay_bench', payCode: '123456' });
});
app.post('/voice/*path', express.urlencoded({ extended: false }), (req, res) => {
  const signature = req.get('x-twilio-signature') ?? '';
  if (!twilio.validateRequest(token, signature, base + req.originalUrl, req.body)) {
    res.status(403).end();
    return;
  }
  res.type('text/xml').send(twiml);
});
app.listen(port, '127.0.0.1');
