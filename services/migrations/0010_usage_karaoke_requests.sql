-- Usage metrics count karaoke requests as well as performances: a song request leaves the
-- database through the outbox like every change, keyed "<event_id>:<seq>" as the other log
-- entries, so the usage archiver recognises a republished row as the same event.
CREATE TRIGGER rotation_requests_outbox AFTER INSERT ON rotation_events
  FOR EACH ROW WHEN (NEW.type = 'SongRequested')
  EXECUTE FUNCTION outbox_record('song-requested', 'event_id', 'seq');
