CREATE TABLE `insight_carts` (
	`customer_id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`worth` real NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `insight_carts_by_app` ON `insight_carts` (`app_id`,`worth`);