export { allowedCardHosts, assertCardHostsAllowed, cardHostIssues, cardUrlHost } from './card-hosts';
export { cardClickRouter } from './click-routes';
export { cancelScheduledFollowUps, hasOptedOut, isStopReply, STOP_CONFIRMATION } from './consent';
export { type EndedConversation, type FollowUpHooks, MARKETING_OPT_OUT } from './hooks';
export { listFollowUps } from './listing';
export { followUpsRouter } from './routes';
export {
  createFollowUpRule,
  DEFAULT_FOLLOW_UP_SETTINGS,
  deleteFollowUpRule,
  followUpSettingsOf,
  getFollowUpRule,
  listFollowUpRules,
  updateFollowUpRule,
  updateFollowUpSettings,
} from './rules';
export { createFollowUpHooks, scheduleFollowUps } from './scheduling';
export { quietHoursEnd, SDK_CHANNELS, type SendOutcome, sendFollowUp } from './sending';
export {
  FOLLOW_UP_MAX_ATTEMPTS,
  type FollowUpWorker,
  type FollowUpWorkerOptions,
  followUpWorkerOptionsFromEnv,
  recordFailedAttempt,
  startFollowUpWorker,
} from './worker';
