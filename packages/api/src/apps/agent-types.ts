import type { agents } from './schema';

export type AgentRow = typeof agents.$inferSelect;
