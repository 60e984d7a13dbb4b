export {
  announceQueued,
  type ConversationRow,
  findOpenConversation,
  toConversationRef,
} from './conversations';
export { buildHandoffSummary, refreshHandoffSummary } from './handoff-summary';
export {
  channelsUsedBy,
  lastMessagesOf,
  type MessageRow,
  postCustomerMessage,
  postStaffMessage,
  timelinePage,
  toWireMessage,
} from './messages';
export {
  type BotReply,
  type ReplyInput,
  type Responder,
  type ResponderDecision,
  silentResponder,
} from './replies';
export { conversationRouter } from './routes';
export type { ConversationRouting } from './routing-hook';
