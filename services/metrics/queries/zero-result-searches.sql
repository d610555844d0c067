-- Search texts that found nothing: what the catalog is missing, or what search fails to match.
SELECT
  lower(trim(query)) AS query_text,
  count(DISTINCT event_id) AS searches
FROM usage_events
WHERE event_type = 'search.performed' AND result_count = 0 AND trim(query) <> ''
GROUP BY lower(trim(query))
ORDER BY searches DESC, query_text
LIMIT 100
