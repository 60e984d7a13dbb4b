import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { ApiError } from '../platform/errors';

/** Synthesised audio. */
export interface SpeechAudio {
  audio: Uint8Array;
  contentType: string;
}

/**
 * A text-to-speech engine. Brand voices ("温柔女声") and provider voice ids both arrive as `voice`;
 * each provider maps the names it knows. A cloned voice is a voice id on a provider that serves it.
 */
export interface SpeechProvider {
  readonly name: string;
  synthesize(input: { text: string; voice: string | null }): Promise<SpeechAudio>;
}

export interface OpenAiSpeechOptions {
  /** The API base, e.g. https://api.openai.com/v1 (the provider posts to `${baseUrl}/audio/speech`). */
  baseUrl: string;
  apiKey?: string;
  model?: string;
  /** Brand voice names → the provider's voice ids, e.g. {"温柔女声":"nova","专业男声":"onyx"}. */
  voices?: Record<string, string>;
  /** The voice when none is configured (default alloy). */
  defaultVoice?: string;
  /** mp3 (default) or wav. */
  format?: 'mp3' | 'wav';
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * Any OpenAI-compatible `/audio/speech` endpoint: OpenAI, and the self-hosted servers that copy its
 * API (CosyVoice, fish-speech, GPT-SoVITS front ends…), which is how a cloned voice is served.
 */
export function createOpenAiSpeechProvider(options: OpenAiSpeechOptions): SpeechProvider {
  const format = options.format ?? 'mp3';
  const url = `${options.baseUrl.replace(/\/+$/, '')}/audio/speech`;
  return {
    name: `openai:${options.model ?? 'tts-1'}`,
    async synthesize({ text, voice }) {
      const providerVoice =
        (voice && Object.hasOwn(options.voices ?? {}, voice) ? options.voices![voice] : voice) ??
        options.defaultVoice ??
        'alloy';
      const response = await (options.fetch ?? fetch)(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
        },
        body: JSON.stringify({
          model: options.model ?? 'tts-1',
          input: text,
          voice: providerVoice,
          response_format: format,
        }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
      });
      if (!response.ok) throw new Error(`speech endpoint answered ${response.status}`);
      const audio = new Uint8Array(await response.arrayBuffer());
      if (audio.length === 0) throw new Error('speech endpoint answered no audio');
      return {
        audio,
        contentType: response.headers.get('content-type') ?? `audio/${format === 'mp3' ? 'mpeg' : 'wav'}`,
      };
    },
  };
}

interface EspeakVoice {
  voice: string;
  /** Words per minute. */
  speed: number;
  /** 0–99. */
  pitch: number;
}

/** The brand voices the offline engine knows; anything else reads with its default Mandarin voice. */
const ESPEAK_VOICES: Record<string, EspeakVoice> = {
  温柔女声: { voice: 'cmn+f3', speed: 150, pitch: 62 },
  专业男声: { voice: 'cmn+m3', speed: 165, pitch: 38 },
  活泼女声: { voice: 'cmn+f4', speed: 175, pitch: 70 },
};
const ESPEAK_DEFAULT: EspeakVoice = { voice: 'cmn+f2', speed: 160, pitch: 55 };
const ESPEAK_TIMEOUT_MS = 15_000;

/**
 * espeak-ng writes a streaming WAV to stdout: it cannot go back to fill in the RIFF and data sizes,
 * so they hold placeholders. They are set here, so every player (and the tests) reads a valid file.
 */
export function fixWavSizes(wav: Uint8Array): Uint8Array {
  if (wav.length < 44 || String.fromCharCode(...wav.subarray(0, 4)) !== 'RIFF') return wav;
  const view = new DataView(wav.buffer, wav.byteOffset, wav.byteLength);
  view.setUint32(4, wav.length - 8, true);
  // Walk the chunks to "data".
  let offset = 12;
  while (offset + 8 <= wav.length) {
    const id = String.fromCharCode(...wav.subarray(offset, offset + 4));
    if (id === 'data') {
      view.setUint32(offset + 4, wav.length - offset - 8, true);
      break;
    }
    offset += 8 + view.getUint32(offset + 4, true);
  }
  return wav;
}

/** The embedded offline engine: Debian's espeak-ng (Mandarin), when it is installed. */
export function createEspeakProvider(
  options: { command?: string; maxConcurrent?: number } = {},
): SpeechProvider {
  const command = options.command ?? 'espeak-ng';
  let running = 0;
  const waiting: (() => void)[] = [];
  // espeak-ng is a process per request: a few at a time, the rest wait their turn.
  const limit = options.maxConcurrent ?? 2;
  const acquire = () => {
    if (running < limit) {
      running++;
      return Promise.resolve();
    }
    // The slot is handed over by `release` without touching the count.
    return new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  return {
    name: 'espeak-ng',
    async synthesize({ text, voice }) {
      const chosen =
        (voice && Object.hasOwn(ESPEAK_VOICES, voice) ? ESPEAK_VOICES[voice] : undefined) ?? ESPEAK_DEFAULT;
      await acquire();
      try {
        const audio = await new Promise<Uint8Array>((resolve, reject) => {
          // Text goes through stdin, never the command line.
          const child = spawn(
            command,
            ['--stdout', '-v', chosen.voice, '-s', String(chosen.speed), '-p', String(chosen.pitch)],
            {
              stdio: ['pipe', 'pipe', 'ignore'],
            },
          );
          const chunks: Buffer[] = [];
          const timer = setTimeout(() => child.kill('SIGKILL'), ESPEAK_TIMEOUT_MS);
          child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
          child.on('error', (error) => {
            clearTimeout(timer);
            reject(error);
          });
          child.on('close', (code) => {
            clearTimeout(timer);
            if (code === 0) resolve(new Uint8Array(Buffer.concat(chunks)));
            else reject(new Error(`${command} exited with ${code}`));
          });
          child.stdin.on('error', () => {});
          child.stdin.end(text);
        });
        return { audio: fixWavSizes(audio), contentType: 'audio/wav' };
      } finally {
        release();
      }
    },
  };
}

/** Whether a command runs here (espeak-ng installed). */
export async function commandAvailable(command: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command, ['--version'], { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
}

export interface SpeechServiceOptions {
  /** The provider to use; omitted: espeak-ng when installed. */
  provider?: SpeechProvider | null;
  /** Audio kept in memory, bytes (default 32 MiB); least recently used goes first. */
  cacheBytes?: number;
}

/**
 * Synthesis with a cache per app, text, voice and provider: the same answer read again (every caller
 * asking the return steps) is served from memory. The cache is per process and bounded in bytes;
 * keys are hashes, so no text is kept in them.
 */
export function createSpeechService(options: SpeechServiceOptions = {}) {
  const maxBytes = options.cacheBytes ?? 32 * 1024 * 1024;
  const cache = new Map<string, SpeechAudio>();
  let bytes = 0;
  let provider: Promise<SpeechProvider | null> | null =
    options.provider !== undefined ? Promise.resolve(options.provider) : null;
  const pending = new Map<string, Promise<SpeechAudio>>();

  const resolveProvider = () => {
    provider ??= commandAvailable('espeak-ng').then((ok) => (ok ? createEspeakProvider() : null));
    return provider;
  };

  return {
    /**
     * Audio for a text in a voice, and whether it came from the cache. `scope` (the app id) keeps
     * each app's entries apart: a hit would otherwise tell one app that another had this exact text
     * read (texts hold order and phone numbers).
     */
    async speak(
      text: string,
      voice: string | null,
      scope = '',
    ): Promise<SpeechAudio & { cached: boolean; provider: string }> {
      const engine = await resolveProvider();
      if (!engine)
        throw new ApiError(
          'speech_unavailable',
          'No speech engine: install espeak-ng, or set THREADLINE_TTS_BASE_URL to an OpenAI-compatible endpoint.',
        );
      const key = createHash('sha256')
        .update(`${scope}\n${engine.name}\n${voice ?? ''}\n${text}`)
        .digest('base64url');
      const hit = cache.get(key);
      if (hit) {
        // Most recently used last.
        cache.delete(key);
        cache.set(key, hit);
        return { ...hit, cached: true, provider: engine.name };
      }
      // Two requests for the same new text share one synthesis.
      let work = pending.get(key);
      if (!work) {
        work = engine.synthesize({ text, voice }).finally(() => pending.delete(key));
        pending.set(key, work);
      }
      let audio: SpeechAudio;
      try {
        audio = await work;
      } catch (error) {
        throw new ApiError(
          'speech_failed',
          `The speech engine failed: ${String((error as Error).message ?? error)}`,
        );
      }
      if (!cache.has(key) && audio.audio.length <= maxBytes) {
        cache.set(key, audio);
        bytes += audio.audio.length;
        for (const [oldKey, old] of cache) {
          if (bytes <= maxBytes) break;
          cache.delete(oldKey);
          bytes -= old.audio.length;
        }
      }
      return { ...audio, cached: false, provider: engine.name };
    },
    /** Entries and bytes held. */
    stats: () => ({ entries: cache.size, bytes }),
  };
}

export type SpeechService = ReturnType<typeof createSpeechService>;

/** The speech provider an operator configured through the environment, if any. */
export function speechProviderFromEnv(env: NodeJS.ProcessEnv): SpeechProvider | undefined {
  const baseUrl = env.THREADLINE_TTS_BASE_URL;
  if (!baseUrl) return undefined;
  let voices: Record<string, string> | undefined;
  try {
    voices = env.THREADLINE_TTS_VOICES
      ? (JSON.parse(env.THREADLINE_TTS_VOICES) as Record<string, string>)
      : undefined;
  } catch {
    throw new Error('THREADLINE_TTS_VOICES must be JSON, e.g. {"温柔女声":"nova"}');
  }
  return createOpenAiSpeechProvider({
    baseUrl,
    apiKey: env.THREADLINE_TTS_API_KEY,
    model: env.THREADLINE_TTS_MODEL,
    voices,
  });
}
