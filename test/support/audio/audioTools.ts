/**
 * The Debian audio tools the relay's audio tests lean on: espeak-ng makes speech, sox converts, and
 * multimon-ng is the independent judge of keypad tones. Each runs as a child process with a deadline;
 * a missing tool fails the test with the package to install (CI's `.ci/run` installs all three).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SAMPLE_RATE } from './keypadTones';

const TOOL_TIMEOUT_MS = 30_000;

function run(tool: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(tool, args, { timeout: TOOL_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new Error(`${tool} is not installed: apt-get install multimon-ng sox espeak-ng (see .ci/run)`));
      } else if (error) {
        reject(new Error(`${tool} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      } else {
        resolve(stdout);
      }
    });
  });
}

/** Fails with the package to install when one of the three tools is missing. */
export async function requireAudioTools(): Promise<void> {
  await run('espeak-ng', ['--version']);
  await run('sox', ['--version']);
  await run('multimon-ng', ['-h']).catch((error: Error) => {
    // multimon-ng prints its help and exits non-zero; only a missing binary is a failure.
    if (error.message.includes('not installed')) throw error;
  });
}

const RAW_8K = ['-t', 'raw', '-r', String(SAMPLE_RATE), '-e', 'signed-integer', '-b', '16', '-c', '1', '-L'];

function pcmFromFile(file: string): Int16Array {
  const bytes = readFileSync(file);
  const samples = new Int16Array(bytes.length >> 1);
  for (let index = 0; index < samples.length; index += 1) samples[index] = bytes.readInt16LE(index * 2);
  return samples;
}

function pcmToBytes(samples: Int16Array): Buffer {
  const bytes = Buffer.alloc(samples.length * 2);
  for (let index = 0; index < samples.length; index += 1) bytes.writeInt16LE(samples[index]!, index * 2);
  return bytes;
}

const cacheDir = path.join(tmpdir(), 'card-gateway-test-speech');

/**
 * Speech for `text` as 8 kHz 16-bit PCM, made once per text and voice and kept in a cache under the
 * system's temp folder (espeak-ng is deterministic, so a cached clip is the clip it would make).
 */
export async function speech(text: string, voice = 'en-us'): Promise<Int16Array> {
  const name = createHash('sha256').update(`${voice}\n${text}`).digest('hex').slice(0, 24);
  const cached = path.join(cacheDir, `${name}.raw`);
  if (!existsSync(cached)) {
    mkdirSync(cacheDir, { recursive: true });
    const work = mkdtempSync(path.join(tmpdir(), 'speech-'));
    try {
      const wav = path.join(work, 'speech.wav');
      const raw = path.join(work, 'speech.raw');
      await run('espeak-ng', ['-v', voice, '-s', '160', '-w', wav, text]);
      await run('sox', [wav, ...RAW_8K, raw, 'remix', '1', 'rate', String(SAMPLE_RATE)]);
      // Written under a temporary name and renamed, so a parallel test never reads half a clip.
      renameSync(raw, cached);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return pcmFromFile(cached);
}

/**
 * The keys multimon-ng hears in 8 kHz PCM, in order. multimon-ng reads raw signed 16-bit audio at
 * 22,050 Hz, so sox resamples first.
 */
export async function judgeKeys(samples: Int16Array): Promise<string> {
  const work = mkdtempSync(path.join(tmpdir(), 'judge-'));
  try {
    const input = path.join(work, 'in.raw');
    const resampled = path.join(work, 'judge.raw');
    writeFileSync(input, pcmToBytes(samples));
    await run('sox', ['-V1', ...RAW_8K, input, '-t', 'raw', '-r', '22050', '-e', 'signed-integer', '-b', '16', '-c', '1', '-L', resampled]);
    const output = await run('multimon-ng', ['-q', '-c', '-a', 'DTMF', '-t', 'raw', resampled]);
    return output
      .split('\n')
      .map((line) => /^DTMF: (.)$/.exec(line.trim())?.[1])
      .filter((key): key is string => key !== undefined)
      .join('');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
