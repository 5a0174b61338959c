/**
 * The panel's recordings: a supervisor sees finished calls' recordings and downloads them, an agent
 * sees none and is refused, ids that are not a bridge's are refused before any file is looked for,
 * and every attempt is in the audit trail.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileCallRecorder } from '../../../src/relay/recording/fileRecorder';
import { addAgent, auditEntries, signInAgent, startBridgeRig, type BridgeRig } from '../../support/bridgeCalls';

jest.setTimeout(30_000);

const FINISHED = 'br_0123456789abcdef0123456789abcdef';
const UNFINISHED = 'br_fedcba9876543210fedcba9876543210';
let dir: string;
let rig: BridgeRig;

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'panel-recordings-'));
  rig = await startBridgeRig('memory', { RECORDINGS_DIR: dir });
  const recording = new FileCallRecorder({ dir, logger: rig.tg.gateway.logger }).start(FINISHED);
  for (let index = 0; index < 100; index += 1) {
    recording.caller(Buffer.alloc(160, 0x55));
    recording.agent(Buffer.alloc(160, 0x2a));
  }
  await recording.close();
  // A call still being recorded: not listed, not served.
  writeFileSync(path.join(dir, `${UNFINISHED}.wav.part`), 'partial', { mode: 0o600 });
});
afterEach(async () => {
  await rig.close();
  rmSync(dir, { recursive: true, force: true });
});

const download = (cookie: string | null, id: string) =>
  fetch(`${rig.tg.gateway.url}/panel/recordings/${id}`, { headers: cookie ? { cookie } : {} });

describe('recordings on the panel', () => {
  it('a supervisor sees the finished call and downloads its WAV, audited', async () => {
    const sue = await signInAgent(rig, await addAgent(rig, 'sue', 'supervisor'));
    expect(sue.page).toContain(`<a href="/panel/recordings/${FINISHED}" download>`);
    expect(sue.page).toMatch(/Call ended \d{4}-\d\d-\d\d \d\d:\d\d UTC \(0:02\)/);
    expect(sue.page).not.toContain(UNFINISHED);

    const res = await download(sue.cookie, FINISHED);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/wav');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${FINISHED}.wav"`);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(path.join(dir, `${FINISHED}.wav`)))).toBe(true);

    const entries = (await auditEntries(rig)).filter((e) => e.action === 'download-recording');
    expect(entries).toEqual([expect.objectContaining({ actor: 'sue', resource: FINISHED, result: 'ok' })]);
  });

  it('an agent sees no recordings and may not download one', async () => {
    const alice = await signInAgent(rig, await addAgent(rig, 'alice'));
    expect(alice.page).not.toContain('Recordings');
    expect(alice.page).not.toContain(FINISHED);

    const res = await download(alice.cookie, FINISHED);
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain('RIFF');
    const entries = (await auditEntries(rig)).filter((e) => e.action === 'download-recording');
    expect(entries).toEqual([expect.objectContaining({ actor: 'alice', resource: FINISHED, result: 'not_supervisor' })]);
  });

  it('nobody signed in is sent to sign in', async () => {
    expect((await download(null, FINISHED)).status).toBe(401);
  });

  it('refuses ids that are not a bridge id, paths out of the folder and unfinished calls', async () => {
    // Files a traversal would reach if the id were taken as a path.
    writeFileSync(path.join(path.dirname(dir), 'outside.wav'), 'not a recording');
    const sue = await signInAgent(rig, await addAgent(rig, 'sue', 'supervisor'));
    const attempts = [`..%2F${path.basename(dir)}%2F..%2Foutside`, '..%2F..%2F..%2Fetc%2Fpasswd', `${FINISHED}.wav`, 'br_0123', `${FINISHED}%00`, UNFINISHED];
    for (const id of attempts) {
      const res = await download(sue.cookie, id);
      expect({ id, status: res.status }).toEqual({ id, status: 404 });
      expect(await res.text()).toBe('No such recording.');
    }
    const results = (await auditEntries(rig)).filter((e) => e.action === 'download-recording').map((e) => `${e.result}:${e.resource}`);
    expect(results).toEqual(['bad_id:null', 'bad_id:null', 'bad_id:null', 'bad_id:null', 'bad_id:null', `not_found:${UNFINISHED}`]);
    rmSync(path.join(path.dirname(dir), 'outside.wav'));
  });
});
