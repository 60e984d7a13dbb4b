CREATE TABLE `kb_terms` (
	`app_id` text NOT NULL,
	`term` text NOT NULL,
	`means` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`app_id`, `term`)
);
