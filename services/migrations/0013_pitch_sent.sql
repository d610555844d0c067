-- A pitch.sent usage event per recipient when a pitch is made: a pitch_activity row of kind 'sent',
-- through the outbox like the recipient's opens, plays and downloads (the recipient named by their
-- keyed hash only). Sent rows count nothing on the recipient.
ALTER TABLE pitch_activity DROP CONSTRAINT pitch_activity_kind_check;
ALTER TABLE pitch_activity ADD CONSTRAINT pitch_activity_kind_check
  CHECK (kind IN ('sent', 'open', 'play', 'download'));
