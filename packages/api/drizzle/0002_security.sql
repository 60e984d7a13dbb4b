CREATE TABLE `customer_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`wrapped_key` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `customer_keys_by_customer` ON `customer_keys` (`customer_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `agents` ADD `previous_token_hash` text;--> statement-breakpoint
ALTER TABLE `agents` ADD `previous_token_valid_until` integer;--> statement-breakpoint
CREATE INDEX `agents_by_previous_token_hash` ON `agents` (`previous_token_hash`);--> statement-breakpoint
ALTER TABLE `handoff_codes` ADD `check_failures` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `handoff_codes_by_expiry` ON `handoff_codes` (`expires_at`);--> statement-breakpoint
CREATE INDEX `handoff_codes_live_by_customer` ON `handoff_codes` (`customer_id`,`expires_at`);--> statement-breakpoint
ALTER TABLE `customers` ADD `sessions_revoked_at` integer;--> statement-breakpoint
CREATE INDEX `customers_by_alias` ON `customers` (`merged_into`);--> statement-breakpoint
ALTER TABLE `sessions` ADD `via_handoff` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `sessions` ADD `revoked_at` integer;