/** Test doubles every Threadline SDK shares: memory storage and a scriptable fake platform. */
export { createAsyncMemoryStorage, createMemoryStorage, type MemoryStorage } from '../memory-storage';
export {
  createFakePlatform,
  type FakeApiState,
  type FakeHandler,
  type FakePlatform,
  type FakePlatformOptions,
  type FakeReply,
  type FakeRequest,
  type FakeStream,
} from './fake-platform';
