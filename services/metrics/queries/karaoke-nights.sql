-- Per karaoke night: songs requested, performances, singers (who requested or sang) and distinct
-- songs sung.
SELECT
  night_id,
  min(event_date) AS night_date,
  count(DISTINCT CASE WHEN event_type = 'karaoke.requested' THEN event_id END) AS requests,
  count(DISTINCT CASE WHEN event_type = 'karaoke.performed' THEN event_id END) AS performances,
  count(DISTINCT singer_id) AS singers,
  count(DISTINCT CASE WHEN event_type = 'karaoke.performed' THEN song_id END) AS songs_sung
FROM usage_events
WHERE event_type IN ('karaoke.requested', 'karaoke.performed')
GROUP BY night_id
ORDER BY night_date DESC, night_id
