-- The most frequent search texts (trimmed, lower case), cached answers included.
SELECT
  lower(trim(query)) AS query_text,
  count(DISTINCT event_id) AS searches
FROM usage_events
WHERE event_type = 'search.performed' AND trim(query) <> ''
GROUP BY lower(trim(query))
ORDER BY searches DESC, query_text
LIMIT 100
