export {
  announceQueued,
  type ConversationRow,
  escalateConversation,
  escalateConversations,
  findOpenConversation,
  openConversation,
  openConversations,
  toConversationRef,
} from './conversations';
export {
  buildHandoffSummaries,
  buildHandoffSummary,
  openHandoffSummary,
  refreshHandoffSummaries,
  refreshHandoffSummary,
} from './handoff-summary';
export {
  channelsUsedBy,
  insertMessages,
  lastMessagesOf,
  type MessageRow,
  messageEventResolver,
  openMessageRows,
  postCustomerMessage,
  postStaffMessage,
  timelinePage,
  toWireMessage,
  toWireMessages,
  VOICE_CHANNELS,
} from './messages';
export {
  type BotReply,
  type InlineResponder,
  type ReplyInput,
  type Responder,
  type ResponderDecision,
  silentResponder,
} from './replies';
export { conversationRouter } from './routes';
export type { ConversationRouting } from './routing-hook';
