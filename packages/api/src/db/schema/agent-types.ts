import type { agents } from './apps';

export type AgentRow = typeof agents.$inferSelect;
