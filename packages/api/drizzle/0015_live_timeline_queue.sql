CREATE TABLE `live_timeline_queue` (
	`seq` integer PRIMARY KEY NOT NULL
);
