PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_agents` (
	`id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`name` text NOT NULL,
	`email` text,
	`password_hash` text,
	`role` text DEFAULT 'agent' NOT NULL,
	`skills` text DEFAULT '[]' NOT NULL,
	`capacity` integer DEFAULT 5 NOT NULL,
	`presence` text DEFAULT 'offline' NOT NULL,
	`presence_changed_at` integer,
	`last_seen_at` integer,
	`last_assigned_at` integer,
	`active` integer DEFAULT true NOT NULL,
	`deactivated_at` integer,
	`token_hash` text,
	`previous_token_hash` text,
	`previous_token_valid_until` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`app_id`) REFERENCES `apps`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_agents`("id", "app_id", "name", "email", "password_hash", "role", "skills", "capacity", "presence", "presence_changed_at", "last_seen_at", "last_assigned_at", "active", "deactivated_at", "token_hash", "previous_token_hash", "previous_token_valid_until", "created_at", "updated_at") SELECT "id", "app_id", "name", "email", "password_hash", "role", "skills", "capacity", "presence", "presence_changed_at", "last_seen_at", "last_assigned_at", "active", "deactivated_at", "token_hash", "previous_token_hash", "previous_token_valid_until", "created_at", "updated_at" FROM `agents`;--> statement-breakpoint
DROP TABLE `agents`;--> statement-breakpoint
ALTER TABLE `__new_agents` RENAME TO `agents`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `agents_by_app` ON `agents` (`app_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `agents_by_app_email` ON `agents` (`app_id`,`email`) WHERE "agents"."email" is not null;