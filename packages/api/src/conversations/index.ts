export {
  escalateConversation,
  findOpenConversation,
  openConversation,
  toConversationRef,
} from './conversations';
export { buildHandoffSummary, refreshHandoffSummary } from './handoff-summary';
export { postCustomerMessage, timelinePage, toWireMessage } from './messages';
export {
  type BotReply,
  type ReplyInput,
  type Responder,
  type ResponderDecision,
  silentResponder,
} from './replies';
export { conversationRouter } from './routes';
