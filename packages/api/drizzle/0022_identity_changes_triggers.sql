-- The identity_changes counter (see identityChanges in src/identity/schema.ts): raised in the writer's
-- own transaction whenever an identity moves to another customer or is deleted, so a cache of
-- identity → customer in any process can tell that it must start over.
INSERT OR IGNORE INTO identity_changes (id, changes) VALUES (1, 0);
--> statement-breakpoint
CREATE TRIGGER identity_changes_on_move AFTER UPDATE OF customer_id, app_id, kind, value ON identities
WHEN old.customer_id IS NOT new.customer_id OR old.app_id IS NOT new.app_id OR old.kind IS NOT new.kind OR old.value IS NOT new.value
BEGIN
  UPDATE identity_changes SET changes = changes + 1 WHERE id = 1;
END;
--> statement-breakpoint
CREATE TRIGGER identity_changes_on_delete AFTER DELETE ON identities
BEGIN
  UPDATE identity_changes SET changes = changes + 1 WHERE id = 1;
END;
