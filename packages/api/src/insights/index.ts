export { clusterUnanswered, recordUnanswered, recordUnansweredIn } from './unanswered';
