export { type CommentReading, createCommentReader, hasQuestionCue } from './comment-reader';
export { roomFigures } from './figures';
export { hostCardRouter } from './host-card';
export { createLiveRuntime, type LiveRuntime, type LiveRuntimeOptions, type RoomEvent } from './live-runtime';
export { signReply } from './reply-delivery';
export { createHostKey, findHostKey } from './room-keys';
export { type PlayRoomOptions, playRoom } from './room-player';
export { findRoom, type LiveRoomRow } from './rooms';
export { livestreamRouter } from './routes';

/** A comment batch may be up to 2 MiB: 1,000 comments of up to 500 characters with their ids. */
export const LIVE_BATCH_MAX_BYTES = 2 * 1024 * 1024;
export {
  connectorBatches,
  type SimulatedComment,
  type SimulatedRoom,
  type SimulatedRoomOptions,
  type SimulatedTruth,
  simulateRoom,
  toBatchItem,
} from './simulated-room';
