-- The transactional outbox: the row trigger records each change in the same transaction as the
-- write, so a change is published if and only if its write committed.
CREATE TABLE outbox (
  id bigserial PRIMARY KEY,
  entity text NOT NULL,
  op text NOT NULL CHECK (op IN ('upsert', 'delete')),
  key text NOT NULL,
  version bigint NOT NULL,
  occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  payload jsonb NOT NULL,
  published_at timestamptz,
  publish_attempts integer NOT NULL DEFAULT 0
);

CREATE INDEX outbox_pending ON outbox (id) WHERE published_at IS NULL;

-- Wakes the change-publisher. On Aurora (aws_lambda extension installed and the publisher's ARN
-- set with ALTER DATABASE ... SET karaoke.publisher_arn) it invokes the Lambda asynchronously;
-- a failed invoke only logs a warning and never fails the write, because the outbox-sweeper
-- republishes whatever stays pending. Elsewhere it notifies the `outbox` channel, which
-- PostgreSQL delivers only once the transaction commits.
CREATE FUNCTION outbox_wake(outbox_id bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  publisher text := current_setting('karaoke.publisher_arn', true);
BEGIN
  IF publisher IS NOT NULL AND publisher <> ''
     AND EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'aws_lambda') THEN
    BEGIN
      EXECUTE 'SELECT aws_lambda.invoke($1, $2::json, invocation_type => ''Event'')'
        USING publisher, json_build_object('outbox_id', outbox_id)::text;
    EXCEPTION WHEN OTHERS THEN
      RAISE WARNING 'outbox row % not handed to the publisher (the sweeper will): %', outbox_id, SQLERRM;
    END;
  ELSE
    PERFORM pg_notify('outbox', outbox_id::text);
  END IF;
END;
$$;

-- Records a change of any entity row. TG_ARGV[0] names the entity. A soft delete (deleted_at
-- set) is published as a delete; the payload is the row as it now stands.
CREATE FUNCTION outbox_record() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  row_data jsonb;
  change_op text;
  new_id bigint;
BEGIN
  IF TG_OP = 'DELETE' THEN
    row_data := to_jsonb(OLD);
    change_op := 'delete';
  ELSE
    row_data := to_jsonb(NEW);
    change_op := CASE WHEN row_data ? 'deleted_at' AND row_data->>'deleted_at' IS NOT NULL THEN 'delete' ELSE 'upsert' END;
  END IF;
  INSERT INTO outbox (entity, op, key, version, payload)
  VALUES (TG_ARGV[0], change_op, row_data->>'id', COALESCE((row_data->>'version')::bigint, nextval('change_version_seq')), row_data)
  RETURNING id INTO new_id;
  PERFORM outbox_wake(new_id);
  RETURN NULL;
END;
$$;

CREATE TRIGGER songs_outbox AFTER INSERT OR UPDATE OR DELETE ON songs
  FOR EACH ROW EXECUTE FUNCTION outbox_record('song');
