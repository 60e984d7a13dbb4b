CREATE TABLE `voice_calls` (
	`id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`provider` text NOT NULL,
	`call_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`turn` integer DEFAULT -1 NOT NULL,
	`state` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`ended_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `voice_calls_by_call` ON `voice_calls` (`app_id`,`provider`,`call_id`);--> statement-breakpoint
CREATE INDEX `voice_calls_by_updated` ON `voice_calls` (`updated_at`);