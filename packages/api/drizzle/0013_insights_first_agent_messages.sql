CREATE TABLE `insight_first_agent_messages` (
	`conversation_id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`at` integer NOT NULL
);
