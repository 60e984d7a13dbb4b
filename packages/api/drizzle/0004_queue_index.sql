DROP INDEX `conversations_queue`;--> statement-breakpoint
CREATE INDEX `conversations_queue` ON `conversations` (`app_id`,`status`,"priority" desc,`waiting_since`,`skill`,`last_channel`);