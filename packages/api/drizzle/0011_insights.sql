CREATE TABLE `insight_contacts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`app_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`channel` text NOT NULL,
	`intent` text NOT NULL,
	`at` integer NOT NULL,
	`last_at` integer NOT NULL,
	`is_repeat` integer NOT NULL,
	`with_context` integer
);
--> statement-breakpoint
CREATE INDEX `insight_contacts_by_app` ON `insight_contacts` (`app_id`,`at`);--> statement-breakpoint
CREATE INDEX `insight_contacts_by_customer` ON `insight_contacts` (`customer_id`,`last_at`);--> statement-breakpoint
CREATE TABLE `insight_conversations` (
	`conversation_id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`channel` text NOT NULL,
	`started_at` integer NOT NULL,
	`customer_messages` integer DEFAULT 0 NOT NULL,
	`bot_messages` integer DEFAULT 0 NOT NULL,
	`agent_messages` integer DEFAULT 0 NOT NULL,
	`first_customer_at` integer,
	`first_response_at` integer,
	`escalated_at` integer
);
--> statement-breakpoint
CREATE INDEX `insight_conversations_by_app_start` ON `insight_conversations` (`app_id`,`started_at`,`channel`,`escalated_at`,`bot_messages`,`agent_messages`,`first_customer_at`,`first_response_at`);--> statement-breakpoint
CREATE TABLE `insight_cursors` (
	`source` text PRIMARY KEY NOT NULL,
	`position` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `insight_message_counts` (
	`app_id` text NOT NULL,
	`channel` text NOT NULL,
	`author_type` text NOT NULL,
	`slot` integer NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`app_id`, `slot`, `channel`, `author_type`)
);
--> statement-breakpoint
CREATE TABLE `insight_swept_handoffs` (
	`id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`from_channel` text NOT NULL,
	`created_at` integer NOT NULL,
	`claimed_at` integer
);
--> statement-breakpoint
CREATE INDEX `insight_swept_handoffs_by_app` ON `insight_swept_handoffs` (`app_id`,`created_at`);