CREATE TABLE `agents` (
	`id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`name` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`app_id`) REFERENCES `apps`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `agents_by_token_hash` ON `agents` (`token_hash`);--> statement-breakpoint
CREATE INDEX `agents_by_app` ON `agents` (`app_id`);--> statement-breakpoint
CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`kind` text NOT NULL,
	`key_hash` text NOT NULL,
	`prefix` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`app_id`) REFERENCES `apps`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_by_hash` ON `api_keys` (`key_hash`);--> statement-breakpoint
CREATE INDEX `api_keys_by_app` ON `api_keys` (`app_id`);--> statement-breakpoint
CREATE TABLE `apps` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`identity_secret_enc` text NOT NULL,
	`allowed_origins` text DEFAULT '[]' NOT NULL,
	`extra_channels` text DEFAULT '[]' NOT NULL,
	`settings` text DEFAULT '{}' NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `server_settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `conversations` (
	`id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`status` text NOT NULL,
	`channel` text NOT NULL,
	`last_channel` text NOT NULL,
	`assigned_agent_id` text,
	`priority` integer DEFAULT 0 NOT NULL,
	`waiting_since` integer,
	`context` text DEFAULT '{}' NOT NULL,
	`summary` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`resolved_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `conversations_one_open_per_customer` ON `conversations` (`customer_id`) WHERE "conversations"."status" <> 'resolved';--> statement-breakpoint
CREATE INDEX `conversations_inbox` ON `conversations` (`app_id`,`status`,`waiting_since`);--> statement-breakpoint
CREATE TABLE `handoff_codes` (
	`id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`conversation_id` text,
	`from_channel` text NOT NULL,
	`to_channel` text,
	`code_hash` text NOT NULL,
	`short_code` text NOT NULL,
	`created_by` text NOT NULL,
	`expires_at` integer NOT NULL,
	`claimed_at` integer,
	`claimed_by_session_id` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `handoff_codes_by_hash` ON `handoff_codes` (`code_hash`);--> statement-breakpoint
CREATE UNIQUE INDEX `handoff_codes_live_short_code` ON `handoff_codes` (`app_id`,`short_code`) WHERE "handoff_codes"."claimed_at" is null;--> statement-breakpoint
CREATE TABLE `messages` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`app_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`channel` text NOT NULL,
	`author_type` text NOT NULL,
	`author_id` text,
	`author_name` text,
	`text` text NOT NULL,
	`client_message_id` text,
	`in_reply_to` text,
	`intent` text,
	`meta` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `messages_by_id` ON `messages` (`id`);--> statement-breakpoint
CREATE INDEX `messages_timeline_page` ON `messages` (`customer_id`,`seq`);--> statement-breakpoint
CREATE INDEX `messages_by_conversation` ON `messages` (`conversation_id`,`seq`);--> statement-breakpoint
CREATE INDEX `messages_replies` ON `messages` (`in_reply_to`);--> statement-breakpoint
CREATE UNIQUE INDEX `messages_one_per_client_message_id` ON `messages` (`customer_id`,`client_message_id`) WHERE "messages"."client_message_id" is not null;--> statement-breakpoint
CREATE TABLE `customer_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`app_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`session_id` text,
	`channel` text,
	`name` text NOT NULL,
	`properties` text DEFAULT '{}' NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `customer_events_by_customer_recent` ON `customer_events` (`customer_id`,"id" desc);--> statement-breakpoint
CREATE TABLE `customers` (
	`id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`identified` integer DEFAULT false NOT NULL,
	`merged_into` text,
	`name` text,
	`attributes` text DEFAULT '{}' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`app_id`) REFERENCES `apps`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `customers_by_app` ON `customers` (`app_id`);--> statement-breakpoint
CREATE TABLE `identities` (
	`id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`kind` text NOT NULL,
	`value` text NOT NULL,
	`value_enc` text,
	`verified` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identities_by_app_kind_value` ON `identities` (`app_id`,`kind`,`value`);--> statement-breakpoint
CREATE INDEX `identities_by_customer` ON `identities` (`customer_id`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`channel` text NOT NULL,
	`anonymous_id` text,
	`verified` integer DEFAULT false NOT NULL,
	`device` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `sessions_by_customer` ON `sessions` (`customer_id`);--> statement-breakpoint
CREATE TABLE `events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`app_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`type` text NOT NULL,
	`data` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `events_resume_by_customer` ON `events` (`customer_id`,`id`);