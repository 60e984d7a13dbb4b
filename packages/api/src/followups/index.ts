export { cardClickRouter } from './click-routes';
export { cancelScheduledFollowUps, hasOptedOut, isStopReply } from './consent';
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
export { type FollowUpWorker, type FollowUpWorkerOptions, startFollowUpWorker } from './worker';
