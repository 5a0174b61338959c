import { createKeyMerger, MERGE_WINDOW_MS } from '../../../../src/relay/audio/keyMerger';

const ms = (value: number): number => value * 8;

function merger() {
  const merged = createKeyMerger();
  const keys: string[] = [];
  merged.onKey((key) => keys.push(key));
  return { merged, keys };
}

describe('key merger', () => {
  it('counts a press once when the detector reports it first and Twilio during, at the end or after it', () => {
    for (const eventAt of [50, 120, 120 + MERGE_WINDOW_MS - 10]) {
      const { merged, keys } = merger();
      merged.detectedStart('7', ms(0), ms(30));
      merged.detectedEnd(ms(0), ms(120));
      merged.twilioEvent('7', ms(eventAt));
      expect(keys).toEqual(['7']);
    }
  });

  it('counts a press once when Twilio reports it before the detector does', () => {
    const { merged, keys } = merger();
    merged.twilioEvent('7', ms(0));
    merged.detectedStart('7', ms(60), ms(90));
    expect(keys).toEqual(['7']);
  });

  it('counts a real double key twice, however the two sources interleave', () => {
    // Presses of '4' at 0-60 ms and 100-160 ms; the detector confirms each 30 ms in. Twilio's two
    // events come at the times listed (ms), before, during or after their press.
    for (const [firstEvent, secondEvent] of [
      [-20, 80],
      [70, 170],
      [30, 130],
      [-20, 170],
    ] as const) {
      const { merged, keys } = merger();
      const steps: Array<[number, () => void]> = [
        [30, () => merged.detectedStart('4', ms(0), ms(30))],
        [60, () => merged.detectedEnd(ms(0), ms(60))],
        [130, () => merged.detectedStart('4', ms(100), ms(130))],
        [160, () => merged.detectedEnd(ms(100), ms(160))],
        [firstEvent, () => merged.twilioEvent('4', ms(firstEvent))],
        [secondEvent, () => merged.twilioEvent('4', ms(secondEvent))],
      ];
      steps.sort((left, right) => left[0] - right[0]).forEach(([, step]) => step());
      expect(keys).toEqual(['4', '4']);
    }
  });

  it('still counts a double key twice when each press is seen by only one source', () => {
    const { merged, keys } = merger();
    merged.detectedStart('4', ms(0), ms(30));
    merged.detectedEnd(ms(0), ms(60));
    merged.twilioEvent('4', ms(40));
    merged.twilioEvent('4', ms(150));
    expect(keys).toEqual(['4', '4']);
  });

  it('keeps different keys apart, and an event far outside the window is a press of its own', () => {
    const { merged, keys } = merger();
    merged.detectedStart('1', ms(0), ms(30));
    merged.twilioEvent('2', ms(40));
    merged.detectedEnd(ms(0), ms(60));
    merged.twilioEvent('1', ms(60 + MERGE_WINDOW_MS + 50));
    expect(keys).toEqual(['1', '2', '1']);
  });
});
