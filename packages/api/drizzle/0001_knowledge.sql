CREATE TABLE `kb_articles` (
	`app_id` text NOT NULL,
	`id` text NOT NULL,
	`title` text NOT NULL,
	`questions` text NOT NULL,
	`answer` text NOT NULL,
	`intent` text,
	`channel_answers` text DEFAULT '{}' NOT NULL,
	`product_ids` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`app_id`, `id`)
);
--> statement-breakpoint
CREATE TABLE `kb_intents` (
	`app_id` text NOT NULL,
	`id` text NOT NULL,
	`name` text NOT NULL,
	`policy` text NOT NULL,
	`ticket_type` text,
	`answer_from` text,
	`examples` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`app_id`, `id`)
);
--> statement-breakpoint
CREATE TABLE `kb_products` (
	`app_id` text NOT NULL,
	`id` text NOT NULL,
	`name` text NOT NULL,
	`aliases` text DEFAULT '[]' NOT NULL,
	`category` text,
	`price` real,
	`attributes` text DEFAULT '{}' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`app_id`, `id`)
);
--> statement-breakpoint
CREATE TABLE `kb_revisions` (
	`app_id` text PRIMARY KEY NOT NULL,
	`revision` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `unanswered_questions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`app_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`conversation_id` text,
	`channel` text NOT NULL,
	`text` text NOT NULL,
	`kind` text NOT NULL,
	`confidence` real NOT NULL,
	`best_intent` text,
	`best_article_id` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `unanswered_questions_recent_by_app` ON `unanswered_questions` (`app_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `tickets` (
	`id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`conversation_id` text,
	`type` text NOT NULL,
	`status` text NOT NULL,
	`intent` text,
	`channel` text NOT NULL,
	`order_id` text,
	`product_id` text,
	`reason` text,
	`wanted_size` text,
	`details` text DEFAULT '{}' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `tickets_open_by_customer` ON `tickets` (`customer_id`,`status`);--> statement-breakpoint
CREATE INDEX `tickets_by_app_recent` ON `tickets` (`app_id`,`status`,`updated_at`);