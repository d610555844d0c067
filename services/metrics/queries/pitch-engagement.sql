-- Per pitch and recipient (a keyed hash, never an address): sent, opens, plays, downloads and the
-- last activity (a recipient who never opened the link shows with no opens).
SELECT
  pitch_id,
  recipient,
  count(DISTINCT CASE WHEN event_type = 'pitch.sent' THEN event_id END) AS sent,
  count(DISTINCT CASE WHEN event_type = 'pitch.opened' THEN event_id END) AS opens,
  count(DISTINCT CASE WHEN event_type = 'pitch.played' THEN event_id END) AS plays,
  count(DISTINCT CASE WHEN event_type = 'pitch.downloaded' THEN event_id END) AS downloads,
  max(occurred_at) AS last_activity
FROM usage_events
WHERE event_type IN ('pitch.sent', 'pitch.opened', 'pitch.played', 'pitch.downloaded')
GROUP BY pitch_id, recipient
ORDER BY pitch_id, recipient
