-- One sequence orders every write that feeds search or caches: each such row takes its `version`
-- from it, events carry it, and Elasticsearch uses it as the external version. A consumer can
-- therefore tell an old event from a new one whatever order SQS delivers them in.
CREATE SEQUENCE IF NOT EXISTS change_version_seq AS bigint;
