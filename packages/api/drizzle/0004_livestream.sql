CREATE TABLE `live_comments` (
	`seq` integer PRIMARY KEY NOT NULL,
	`room_id` text NOT NULL,
	`item_id` text NOT NULL,
	`viewer_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`nickname` text,
	`text` text NOT NULL,
	`at` integer NOT NULL,
	`kind` text NOT NULL,
	`question_key` text,
	`escalation` text,
	`intent` text,
	`message_id` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `live_comments_one_per_item` ON `live_comments` (`room_id`,`item_id`);--> statement-breakpoint
CREATE INDEX `live_comments_window` ON `live_comments` (`room_id`,`at`);--> statement-breakpoint
CREATE INDEX `live_comments_escalations_pending` ON `live_comments` (`room_id`) WHERE "live_comments"."kind" = 'escalation' and "live_comments"."message_id" is null;--> statement-breakpoint
CREATE TABLE `live_mentions` (
	`room_id` text NOT NULL,
	`question_key` text NOT NULL,
	`viewer_id` text NOT NULL,
	`reply_id` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`room_id`, `question_key`, `viewer_id`, `reply_id`)
);
--> statement-breakpoint
CREATE INDEX `live_mentions_recent` ON `live_mentions` (`room_id`,`at`);--> statement-breakpoint
CREATE TABLE `live_questions` (
	`room_id` text NOT NULL,
	`key` text NOT NULL,
	`label` text NOT NULL,
	`intent` text,
	`article_id` text,
	`product_id` text,
	`answer` text,
	`last_round_at` integer,
	`rounds` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`room_id`, `key`)
);
--> statement-breakpoint
CREATE TABLE `live_replies` (
	`id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`room_id` text NOT NULL,
	`question_key` text NOT NULL,
	`type` text NOT NULL,
	`url` text,
	`payload` text NOT NULL,
	`mentions` integer DEFAULT 0 NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer,
	`last_error` text,
	`created_at` integer NOT NULL,
	`delivered_at` integer
);
--> statement-breakpoint
CREATE INDEX `live_replies_due` ON `live_replies` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `live_replies_by_room` ON `live_replies` (`room_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `live_room_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`room_id` text NOT NULL,
	`key_hash` text NOT NULL,
	`expires_at` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `live_room_keys_by_hash` ON `live_room_keys` (`key_hash`);--> statement-breakpoint
CREATE TABLE `live_rooms` (
	`id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`channel` text NOT NULL,
	`platform_room_id` text NOT NULL,
	`title` text,
	`reply_url` text,
	`shelf` text DEFAULT '{"segment":null,"productIds":[],"since":null}' NOT NULL,
	`pinned` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `live_rooms_by_platform_id` ON `live_rooms` (`app_id`,`channel`,`platform_room_id`);--> statement-breakpoint
CREATE TABLE `live_settings` (
	`app_id` text PRIMARY KEY NOT NULL,
	`reply_url` text,
	`reply_secret_enc` text,
	`answers` text DEFAULT '{}' NOT NULL,
	`hot` text DEFAULT '{}' NOT NULL,
	`updated_at` integer NOT NULL
);
