CREATE TABLE `agent_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`label` text,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer,
	`last_used_at` integer,
	`revoked_at` integer,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `agent_tokens_by_hash` ON `agent_tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `agent_tokens_by_agent` ON `agent_tokens` (`agent_id`);--> statement-breakpoint
CREATE TABLE `assignments` (
	`id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`how` text NOT NULL,
	`by_agent_id` text,
	`skill` text,
	`queued_at` integer,
	`assigned_at` integer NOT NULL,
	`first_response_at` integer,
	`ended_at` integer,
	`end_reason` text
);
--> statement-breakpoint
CREATE INDEX `assignments_by_conversation` ON `assignments` (`conversation_id`,`assigned_at`);--> statement-breakpoint
CREATE INDEX `assignments_open_by_agent` ON `assignments` (`agent_id`,`ended_at`);--> statement-breakpoint
CREATE INDEX `assignments_by_app_recent` ON `assignments` (`app_id`,`assigned_at`);--> statement-breakpoint
CREATE TABLE `conversation_notes` (
	`id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`text_enc` text NOT NULL,
	`client_note_id` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `conversation_notes_by_customer` ON `conversation_notes` (`customer_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `conversation_notes_by_conversation` ON `conversation_notes` (`conversation_id`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `conversation_notes_one_per_client_id` ON `conversation_notes` (`agent_id`,`client_note_id`) WHERE "conversation_notes"."client_note_id" is not null;--> statement-breakpoint
CREATE TABLE `routing_settings` (
	`app_id` text PRIMARY KEY NOT NULL,
	`settings` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`app_id` text NOT NULL,
	`actor_type` text NOT NULL,
	`actor_id` text,
	`action` text NOT NULL,
	`subject_type` text NOT NULL,
	`subject_id` text NOT NULL,
	`details` text DEFAULT '{}' NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_log_by_app` ON `audit_log` (`app_id`,`id`);--> statement-breakpoint
CREATE INDEX `audit_log_by_subject` ON `audit_log` (`subject_id`,`id`);--> statement-breakpoint
CREATE TABLE `customer_pii` (
	`app_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`field` text NOT NULL,
	`value_enc` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`customer_id`, `field`)
);
--> statement-breakpoint
CREATE TABLE `orders` (
	`app_id` text NOT NULL,
	`id` text NOT NULL,
	`customer_id` text NOT NULL,
	`status` text NOT NULL,
	`items` text DEFAULT '[]' NOT NULL,
	`amount` real NOT NULL,
	`currency` text NOT NULL,
	`tracking_number` text,
	`carrier` text,
	`address_enc` text,
	`payment_enc` text,
	`placed_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`app_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `orders_recent_by_customer` ON `orders` (`customer_id`,`placed_at`);--> statement-breakpoint
DROP INDEX `conversations_inbox`;--> statement-breakpoint
ALTER TABLE `conversations` ADD `assigned_at` integer;--> statement-breakpoint
ALTER TABLE `conversations` ADD `skill` text;--> statement-breakpoint
CREATE INDEX `conversations_queue` ON `conversations` (`app_id`,`status`,"priority" desc,`waiting_since`,`skill`,`last_channel`);--> statement-breakpoint
CREATE INDEX `conversations_inbox_recent` ON `conversations` (`app_id`,`status`,`updated_at`);--> statement-breakpoint
CREATE INDEX `conversations_by_agent` ON `conversations` (`assigned_agent_id`,`status`);--> statement-breakpoint
ALTER TABLE `agents` ADD `email` text;--> statement-breakpoint
ALTER TABLE `agents` ADD `password_hash` text;--> statement-breakpoint
ALTER TABLE `agents` ADD `role` text DEFAULT 'agent' NOT NULL;--> statement-breakpoint
ALTER TABLE `agents` ADD `skills` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `agents` ADD `capacity` integer DEFAULT 5 NOT NULL;--> statement-breakpoint
ALTER TABLE `agents` ADD `presence` text DEFAULT 'offline' NOT NULL;--> statement-breakpoint
ALTER TABLE `agents` ADD `presence_changed_at` integer;--> statement-breakpoint
ALTER TABLE `agents` ADD `last_seen_at` integer;--> statement-breakpoint
ALTER TABLE `agents` ADD `last_assigned_at` integer;--> statement-breakpoint
ALTER TABLE `agents` ADD `active` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `agents` ADD `deactivated_at` integer;--> statement-breakpoint
ALTER TABLE `agents` ADD `updated_at` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `agents_by_app_email` ON `agents` (`app_id`,`email`) WHERE "agents"."email" is not null;--> statement-breakpoint
ALTER TABLE `events` ADD `audience` text DEFAULT 'customer' NOT NULL;--> statement-breakpoint
CREATE INDEX `events_resume_by_app` ON `events` (`app_id`,`id`);