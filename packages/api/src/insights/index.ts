export { foldInsights, startInsightsRollup } from './rollup';
export { insightsRouter } from './routes';
export { clusterUnanswered, recordUnanswered, recordUnansweredIn } from './unanswered';
