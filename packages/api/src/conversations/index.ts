export {
  escalateConversation,
  findOpenConversation,
  openConversation,
  toConversationRef,
} from './conversations';
export { buildHandoffSummary, openHandoffSummary, refreshHandoffSummary } from './handoff-summary';
export {
  insertMessages,
  openMessageRows,
  postCustomerMessage,
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
