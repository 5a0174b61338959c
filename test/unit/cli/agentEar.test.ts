import { AgentEar } from '../../../src/cli/agentEar';
import { MU_LAW_SILENCE } from '../../../src/relay/audio/muLaw';
import { createToneMasker } from '../../../src/relay/audio/toneMasker';
import { Noise, SyntheticVoice, framesOf, keypadTone, lineNoise } from '../../../src/cli/syntheticAudio';

/** The caller's audio of the simulator: voice, a pause, keys as tones with gaps, voice again. */
function callerAudio(keys: string): Buffer[] {
  const voice = new SyntheticVoice();
  const noise = new Noise();
  const parts: Int16Array[] = [voice.samples(8000), lineNoise(noise, 2400)];
  for (const key of keys) parts.push(keypadTone(key, 80), lineNoise(noise, 960));
  parts.push(voice.samples(8000));
  const pcm = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    pcm.set(part, offset);
    offset += part.length;
  }
  return framesOf(pcm);
}

function listen(frames: Buffer[]): { ear: AgentEar; lines: string[] } {
  const lines: string[] = [];
  const ear = new AgentEar((line) => lines.push(line));
  for (const frame of frames) ear.hear(frame);
  ear.finish();
  return { ear, lines };
}

describe('the simulator’s agent ear', () => {
  it('hears a tone that reaches it unmasked: the check of the relay can fail', () => {
    const { ear, lines } = listen(callerAudio('4242'));
    expect(ear.keysHeard).toBe(4);
    expect(ear.totals.tone).toBeGreaterThan(0);
    expect(lines).toContain('!! the agent heard a keypad tone');
    // The keys themselves are never printed.
    expect(lines.join('\n')).not.toMatch(/4242/);
  });

  it('hears voice, silence and the relay’s masking, and no key, after the tone masker', () => {
    const masker = createToneMasker();
    const keys: string[] = [];
    masker.onKey((key) => keys.push(key));
    const out = callerAudio('4242424242424242#').flatMap((frame) => masker.push(frame) ?? []);
    const { ear, lines } = listen([...out, ...masker.flush()]);
    // The synthetic voice is not mistaken for tones: every key counted once, none lost.
    expect(keys).toHaveLength(17);
    expect(ear.keysHeard).toBe(0);
    expect(ear.totals.tone).toBe(0);
    expect(ear.totals.voice).toBeGreaterThanOrEqual(18);
    expect(ear.totals.masked).toBeGreaterThan(0);
    expect(lines[0]).toMatch(/^agent hears ▮+ voice \(\d+ ms\)$/);
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^agent hears ░+ masked \(\d+ ms\)$/)]));
  });

  it('reads digital silence as the relay’s masking and line noise as quiet', () => {
    const { ear } = listen([...Array(5).fill(Buffer.alloc(160, MU_LAW_SILENCE)), ...framesOf(lineNoise(new Noise(), 800))]);
    expect(ear.totals).toEqual({ voice: 0, silence: 1, masked: 1, tone: 0 });
  });
});
