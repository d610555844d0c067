-- A recorded performance changes what the BFF caches about its singer (`/api/me` shows recent
-- performances). The change is announced from the history row itself, once it exists, so the
-- cache-invalidator can never run between the log event and the row and leave the old list cached.
CREATE TRIGGER performances_outbox AFTER INSERT ON performances
  FOR EACH ROW EXECUTE FUNCTION outbox_record('performance-recorded', 'request_id');
