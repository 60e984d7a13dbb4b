-- The per-slot totals of insight_conversations and insight_contacts (see insightSlotTotals in
-- src/insights/schema.ts), kept by triggers, so every writer of the two tables (fold, merges,
-- erasure) moves them in its own transaction. Slot = the 15-minute UTC slot of started_at / at
-- (floored, also for times before 1970).
-- Rows already there are added by the background backfill (backfillSlotTotals in
-- src/insights/rollup.ts) in short chunks by rowid, never here: an upgrade does not wait for it.
-- Its cursor (insight_cursors 'slot_totals_*') is the rowid up to which a table's rows are in the
-- totals; the triggers follow only those rows, and 9007199254740991 (done) follows every row. An empty
-- table (a new install) starts done.
INSERT INTO insight_cursors (source, position, updated_at)
SELECT 'slot_totals_conversations', CASE WHEN EXISTS (SELECT 1 FROM insight_conversations) THEN 0 ELSE 9007199254740991 END, 0
UNION ALL
SELECT 'slot_totals_contacts', CASE WHEN EXISTS (SELECT 1 FROM insight_contacts) THEN 0 ELSE 9007199254740991 END, 0;
--> statement-breakpoint
CREATE TRIGGER insight_slot_totals_conversation_insert AFTER INSERT ON insight_conversations
WHEN new.rowid <= (SELECT position FROM insight_cursors WHERE source = 'slot_totals_conversations')
BEGIN
  INSERT INTO insight_slot_totals (app_id, slot, channel, conversations, escalated, ai_answered)
  VALUES (new.app_id, (new.started_at - ((new.started_at % 900000) + 900000) % 900000), new.channel, 1, (new.escalated_at IS NOT NULL), (new.bot_messages > 0 AND new.agent_messages = 0 AND new.escalated_at IS NULL))
  ON CONFLICT (app_id, slot, channel) DO UPDATE SET conversations = conversations + excluded.conversations, escalated = escalated + excluded.escalated, ai_answered = ai_answered + excluded.ai_answered;
END;
--> statement-breakpoint
CREATE TRIGGER insight_slot_totals_conversation_delete AFTER DELETE ON insight_conversations
WHEN old.rowid <= (SELECT position FROM insight_cursors WHERE source = 'slot_totals_conversations')
BEGIN
  UPDATE insight_slot_totals SET conversations = conversations - 1, escalated = escalated - (old.escalated_at IS NOT NULL), ai_answered = ai_answered - (old.bot_messages > 0 AND old.agent_messages = 0 AND old.escalated_at IS NULL)
  WHERE app_id = old.app_id AND slot = (old.started_at - ((old.started_at % 900000) + 900000) % 900000) AND channel = old.channel;
  DELETE FROM insight_slot_totals
  WHERE app_id = old.app_id AND slot = (old.started_at - ((old.started_at % 900000) + 900000) % 900000) AND channel = old.channel AND conversations = 0 AND contacts = 0;
END;
--> statement-breakpoint
CREATE TRIGGER insight_slot_totals_conversation_update AFTER UPDATE ON insight_conversations
WHEN old.rowid <= (SELECT position FROM insight_cursors WHERE source = 'slot_totals_conversations') AND (old.app_id IS NOT new.app_id OR old.channel IS NOT new.channel OR (old.started_at - ((old.started_at % 900000) + 900000) % 900000) <> (new.started_at - ((new.started_at % 900000) + 900000) % 900000) OR (old.escalated_at IS NOT NULL) <> (new.escalated_at IS NOT NULL) OR (old.bot_messages > 0 AND old.agent_messages = 0 AND old.escalated_at IS NULL) <> (new.bot_messages > 0 AND new.agent_messages = 0 AND new.escalated_at IS NULL))
BEGIN
  UPDATE insight_slot_totals SET conversations = conversations - 1, escalated = escalated - (old.escalated_at IS NOT NULL), ai_answered = ai_answered - (old.bot_messages > 0 AND old.agent_messages = 0 AND old.escalated_at IS NULL)
  WHERE app_id = old.app_id AND slot = (old.started_at - ((old.started_at % 900000) + 900000) % 900000) AND channel = old.channel;
  DELETE FROM insight_slot_totals
  WHERE app_id = old.app_id AND slot = (old.started_at - ((old.started_at % 900000) + 900000) % 900000) AND channel = old.channel AND conversations = 0 AND contacts = 0;
  INSERT INTO insight_slot_totals (app_id, slot, channel, conversations, escalated, ai_answered)
  VALUES (new.app_id, (new.started_at - ((new.started_at % 900000) + 900000) % 900000), new.channel, 1, (new.escalated_at IS NOT NULL), (new.bot_messages > 0 AND new.agent_messages = 0 AND new.escalated_at IS NULL))
  ON CONFLICT (app_id, slot, channel) DO UPDATE SET conversations = conversations + excluded.conversations, escalated = escalated + excluded.escalated, ai_answered = ai_answered + excluded.ai_answered;
END;
--> statement-breakpoint
CREATE TRIGGER insight_slot_totals_contact_insert AFTER INSERT ON insight_contacts
WHEN new.rowid <= (SELECT position FROM insight_cursors WHERE source = 'slot_totals_contacts')
BEGIN
  INSERT INTO insight_slot_totals (app_id, slot, channel, contacts, repeat_contacts, repeat_with_context, repeat_without_context)
  VALUES (new.app_id, (new.at - ((new.at % 900000) + 900000) % 900000), new.channel, 1, (new.is_repeat <> 0), coalesce(new.is_repeat AND new.with_context, 0), coalesce(new.is_repeat AND NOT new.with_context, 0))
  ON CONFLICT (app_id, slot, channel) DO UPDATE SET contacts = contacts + excluded.contacts, repeat_contacts = repeat_contacts + excluded.repeat_contacts, repeat_with_context = repeat_with_context + excluded.repeat_with_context, repeat_without_context = repeat_without_context + excluded.repeat_without_context;
END;
--> statement-breakpoint
CREATE TRIGGER insight_slot_totals_contact_delete AFTER DELETE ON insight_contacts
WHEN old.rowid <= (SELECT position FROM insight_cursors WHERE source = 'slot_totals_contacts')
BEGIN
  UPDATE insight_slot_totals SET contacts = contacts - 1, repeat_contacts = repeat_contacts - (old.is_repeat <> 0), repeat_with_context = repeat_with_context - coalesce(old.is_repeat AND old.with_context, 0), repeat_without_context = repeat_without_context - coalesce(old.is_repeat AND NOT old.with_context, 0)
  WHERE app_id = old.app_id AND slot = (old.at - ((old.at % 900000) + 900000) % 900000) AND channel = old.channel;
  DELETE FROM insight_slot_totals
  WHERE app_id = old.app_id AND slot = (old.at - ((old.at % 900000) + 900000) % 900000) AND channel = old.channel AND conversations = 0 AND contacts = 0;
END;
--> statement-breakpoint
CREATE TRIGGER insight_slot_totals_contact_update AFTER UPDATE ON insight_contacts
WHEN old.rowid <= (SELECT position FROM insight_cursors WHERE source = 'slot_totals_contacts') AND (old.app_id IS NOT new.app_id OR old.channel IS NOT new.channel OR (old.at - ((old.at % 900000) + 900000) % 900000) <> (new.at - ((new.at % 900000) + 900000) % 900000) OR (old.is_repeat <> 0) <> (new.is_repeat <> 0) OR coalesce(old.is_repeat AND old.with_context, 0) <> coalesce(new.is_repeat AND new.with_context, 0) OR coalesce(old.is_repeat AND NOT old.with_context, 0) <> coalesce(new.is_repeat AND NOT new.with_context, 0))
BEGIN
  UPDATE insight_slot_totals SET contacts = contacts - 1, repeat_contacts = repeat_contacts - (old.is_repeat <> 0), repeat_with_context = repeat_with_context - coalesce(old.is_repeat AND old.with_context, 0), repeat_without_context = repeat_without_context - coalesce(old.is_repeat AND NOT old.with_context, 0)
  WHERE app_id = old.app_id AND slot = (old.at - ((old.at % 900000) + 900000) % 900000) AND channel = old.channel;
  DELETE FROM insight_slot_totals
  WHERE app_id = old.app_id AND slot = (old.at - ((old.at % 900000) + 900000) % 900000) AND channel = old.channel AND conversations = 0 AND contacts = 0;
  INSERT INTO insight_slot_totals (app_id, slot, channel, contacts, repeat_contacts, repeat_with_context, repeat_without_context)
  VALUES (new.app_id, (new.at - ((new.at % 900000) + 900000) % 900000), new.channel, 1, (new.is_repeat <> 0), coalesce(new.is_repeat AND new.with_context, 0), coalesce(new.is_repeat AND NOT new.with_context, 0))
  ON CONFLICT (app_id, slot, channel) DO UPDATE SET contacts = contacts + excluded.contacts, repeat_contacts = repeat_contacts + excluded.repeat_contacts, repeat_with_context = repeat_with_context + excluded.repeat_with_context, repeat_without_context = repeat_without_context + excluded.repeat_without_context;
END;
