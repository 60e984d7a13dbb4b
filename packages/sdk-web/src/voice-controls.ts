import type { ThreadlineClient } from './create-threadline';

/**
 * Voice in the widget, kept small and written by hand (no speech library fits the 30 KB budget):
 * the browser's own Web Speech API for input, the API's brand voice (`POST /v1/voice/speech`) for
 * read-aloud with the browser's `speechSynthesis` as the fallback.
 */

/** The part of the Web Speech API's SpeechRecognition the widget uses. */
interface Recognition {
  lang: string;
  interimResults: boolean;
  continuous: boolean;
  maxAlternatives: number;
  onresult:
    | ((event: {
        resultIndex: number;
        results: ArrayLike<ArrayLike<{ transcript: string }> & { isFinal: boolean }>;
      }) => void)
    | null;
  onerror: ((event: { error?: string }) => void) | null;
  onend: (() => void) | null;
  start(): void;
  stop(): void;
  abort(): void;
}

type RecognitionClass = new () => Recognition;

/** The browser's SpeechRecognition (Chrome still prefixes it), or undefined where there is none. */
export function recognitionClass(): RecognitionClass | undefined {
  const host = globalThis as {
    SpeechRecognition?: RecognitionClass;
    webkitSpeechRecognition?: RecognitionClass;
  };
  return host.SpeechRecognition ?? host.webkitSpeechRecognition;
}

export interface VoiceInput {
  readonly listening: boolean;
  /** Starts listening, or stops when already listening. */
  toggle(): void;
  stop(): void;
}

/**
 * Dictation: interim words go to `onInterim` (shown in the input), the final transcript to
 * `onFinal` (sent). One utterance per press; errors end it quietly through `onEnd`.
 */
export function createVoiceInput(options: {
  lang: () => string;
  onInterim: (text: string) => void;
  onFinal: (text: string) => void;
  onEnd: (error?: string) => void;
}): VoiceInput | undefined {
  const Recognition = recognitionClass();
  if (!Recognition) return undefined;
  let active: Recognition | undefined;
  let finished = false;
  const end = (error?: string) => {
    if (!active) return;
    active = undefined;
    options.onEnd(error);
  };
  return {
    get listening() {
      return !!active;
    },
    toggle() {
      if (active) return this.stop();
      const recognition = new Recognition();
      recognition.lang = options.lang();
      recognition.interimResults = true;
      recognition.continuous = false;
      recognition.maxAlternatives = 1;
      finished = false;
      recognition.onresult = (event) => {
        let text = '';
        let final = false;
        for (let i = 0; i < event.results.length; i++) {
          const result = event.results[i]!;
          text += result[0]?.transcript ?? '';
          final ||= result.isFinal;
        }
        text = text.trim();
        if (final && text && !finished) {
          finished = true;
          options.onFinal(text);
        } else options.onInterim(text);
      };
      recognition.onerror = (event) => end(event.error || 'error');
      recognition.onend = () => end();
      active = recognition;
      try {
        recognition.start();
      } catch {
        end('error');
      }
    },
    stop() {
      active?.stop();
    },
  };
}

/** Reads replies aloud: the API's audio in the brand voice, else the browser's voice. */
export interface ReadAloud {
  speak(text: string): void;
  stop(): void;
}

export function createReadAloud(options: {
  client: () => ThreadlineClient | undefined;
  lang: () => string;
  /** `server` (default: the API's voice, the browser's as fallback) or `browser` (speechSynthesis only). */
  mode: () => string | null;
}): ReadAloud {
  let audio: HTMLAudioElement | undefined;
  let request = 0;
  const browserSpeak = (text: string) => {
    const synth = globalThis.speechSynthesis;
    const Utterance = globalThis.SpeechSynthesisUtterance;
    if (!synth || !Utterance) return;
    const utterance = new Utterance(text);
    utterance.lang = options.lang();
    synth.speak(utterance);
  };
  const stop = () => {
    request++;
    audio?.pause();
    audio = undefined;
    globalThis.speechSynthesis?.cancel();
  };
  return {
    stop,
    speak(text) {
      stop();
      const mine = request;
      const client = options.client();
      if (options.mode() === 'browser' || !client) return browserSpeak(text);
      (async () => {
        const { apiUrl, sessionToken } = await client.credentials();
        const response = await fetch(`${apiUrl.replace(/\/+$/, '')}/v1/voice/speech`, {
          method: 'POST',
          headers: { authorization: `Bearer ${sessionToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ text: text.slice(0, 500) }),
        });
        if (!response.ok) throw new Error(String(response.status));
        const url = URL.createObjectURL(await response.blob());
        if (mine !== request) return URL.revokeObjectURL(url);
        audio = new Audio(url);
        audio.onended = () => URL.revokeObjectURL(url);
        await audio.play();
      })().catch(() => {
        // No server voice (or autoplay refused it): the browser's own voice, if it has one.
        if (mine === request) browserSpeak(text);
      });
    },
  };
}
