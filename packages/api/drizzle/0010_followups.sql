CREATE TABLE `follow_up_rules` (
	`id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`name` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`when_channel` text,
	`intent` text NOT NULL,
	`product_id` text,
	`delay_sec` integer NOT NULL,
	`expires_after_sec` integer NOT NULL,
	`send_channel` text NOT NULL,
	`content` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `follow_up_rules_by_app` ON `follow_up_rules` (`app_id`,`enabled`);--> statement-breakpoint
CREATE TABLE `follow_ups` (
	`id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`rule_id` text,
	`customer_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`channel` text NOT NULL,
	`content` text NOT NULL,
	`state` text NOT NULL,
	`reason` text,
	`due_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`deferrals` integer DEFAULT 0 NOT NULL,
	`sent_at` integer,
	`message_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `follow_ups_once_per_conversation` ON `follow_ups` (`rule_id`,`conversation_id`);--> statement-breakpoint
CREATE INDEX `follow_ups_due` ON `follow_ups` (`due_at`) WHERE "follow_ups"."state" = 'scheduled';--> statement-breakpoint
CREATE INDEX `follow_ups_by_customer` ON `follow_ups` (`customer_id`,`state`,`sent_at`);--> statement-breakpoint
CREATE INDEX `follow_ups_by_rule` ON `follow_ups` (`rule_id`,`state`);