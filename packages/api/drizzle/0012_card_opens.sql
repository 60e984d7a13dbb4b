CREATE TABLE `card_opens` (
	`message_id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`follow_up_id` text,
	`opened_at` integer NOT NULL,
	`last_opened_at` integer NOT NULL,
	`opens` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `follow_ups_sent_by_app` ON `follow_ups` (`app_id`,`sent_at`) WHERE "follow_ups"."state" = 'sent';