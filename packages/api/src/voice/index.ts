export { handleVoiceTurn, type VoiceTurnInput } from './calls';
export { guideCommand, howToSteps, withVoiceGuides } from './guides';
export { voiceRouter } from './routes';
export {
  createEspeakProvider,
  createOpenAiSpeechProvider,
  createSpeechService,
  type SpeechProvider,
  type SpeechService,
  type SpeechServiceOptions,
  speechProviderFromEnv,
} from './speech';
