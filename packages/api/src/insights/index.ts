export { followUpEffect } from './follow-up-effect';
export { followUpEffectRouter } from './follow-up-effect-routes';
export { DEFAULT_TIME_ZONE } from './metrics';
export { localDate, localMidnight } from './periods';
export { foldInsights, foldInsightsIn, startInsightsRollup } from './rollup';
export { insightsRouter } from './routes';
export { planTraffic, simulateTraffic, type TrafficLedger } from './traffic-generator';
export { clusterUnanswered, recordUnanswered, recordUnansweredIn } from './unanswered';
