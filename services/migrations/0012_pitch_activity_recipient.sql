-- Pitch activity becomes usage events (pitch.opened, pitch.played, pitch.downloaded) through the
-- outbox. The recipient appears there as the keyed hash the playlists service computes from their
-- address (services/metrics/contract.ts recipientHash): stable across pitches, never the address.
-- Rows written before this column existed have none and publish no event.
ALTER TABLE pitch_activity ADD COLUMN recipient_key text CHECK (recipient_key ~ '^r_[A-Za-z0-9_-]{43}$');
