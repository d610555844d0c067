-- Plays and downloads per track per day: streams and pitch plays are plays, downloads from the
-- library and from pitch links are downloads. Events are counted by id: a row archived twice
-- (a republished event, a file not yet compacted) counts once.
SELECT
  event_date,
  song_id,
  count(DISTINCT CASE WHEN event_type IN ('media.streamed', 'pitch.played') THEN event_id END) AS plays,
  count(DISTINCT CASE WHEN event_type IN ('media.downloaded', 'pitch.downloaded') THEN event_id END) AS downloads
FROM usage_events
WHERE event_type IN ('media.streamed', 'media.downloaded', 'pitch.played', 'pitch.downloaded')
GROUP BY event_date, song_id
ORDER BY event_date, plays DESC, downloads DESC, song_id
