CREATE TABLE `insight_slot_totals` (
	`app_id` text NOT NULL,
	`slot` integer NOT NULL,
	`channel` text NOT NULL,
	`conversations` integer DEFAULT 0 NOT NULL,
	`escalated` integer DEFAULT 0 NOT NULL,
	`ai_answered` integer DEFAULT 0 NOT NULL,
	`contacts` integer DEFAULT 0 NOT NULL,
	`repeat_contacts` integer DEFAULT 0 NOT NULL,
	`repeat_with_context` integer DEFAULT 0 NOT NULL,
	`repeat_without_context` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`app_id`, `slot`, `channel`)
);
