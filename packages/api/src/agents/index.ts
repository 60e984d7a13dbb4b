export {
  type AgentRow,
  appOfAgent,
  createAgent,
  findAgentByToken,
  getAgent,
  issueTokenFor,
  listAgents,
  setAgentActive,
  updateAgent,
} from './agents';
export { agentConsoleRouter } from './console-routes';
export { csatInsights } from './csat';
export { onlineAgents } from './inbox';
export { setPresence, startPresenceSweeper, sweepPresence } from './presence';
export { agentAdminRouter } from './routes';
export { chooseAgent, createConversationRouting } from './routing';
export { getRoutingSettings, putRoutingSettings } from './routing-settings';
export { agentWorkspaceRouter } from './workspace-routes';
