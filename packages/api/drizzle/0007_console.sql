CREATE TABLE `conversation_labels` (
	`app_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`label` text NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`conversation_id`, `label`)
);
--> statement-breakpoint
CREATE INDEX `conversation_labels_by_app_label` ON `conversation_labels` (`app_id`,`label`);--> statement-breakpoint
CREATE TABLE `conversation_snoozes` (
	`conversation_id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`until` integer NOT NULL,
	`snoozed_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `csat_ratings` (
	`conversation_id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`channel` text NOT NULL,
	`agent_id` text,
	`rating` integer NOT NULL,
	`comment` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `csat_by_app_time` ON `csat_ratings` (`app_id`,`created_at`);