-- The X-Ray trace of the write that produced each outbox row, so the change-publisher and the
-- queue consumers continue that trace. The writer sets `karaoke.trace_header` in its transaction
-- (services/lib/trace-capture.ts, only for sampled traces); elsewhere the column stays null.
ALTER TABLE outbox ADD COLUMN trace_header text;

CREATE OR REPLACE FUNCTION outbox_record() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  row_data jsonb;
  change_op text;
  change_key text;
  change_version bigint;
  new_id bigint;
BEGIN
  IF TG_OP = 'DELETE' THEN
    row_data := to_jsonb(OLD);
    change_op := 'delete';
    change_version := nextval('change_version_seq');
  ELSE
    row_data := to_jsonb(NEW);
    change_op := CASE WHEN row_data ? 'deleted_at' AND row_data->>'deleted_at' IS NOT NULL THEN 'delete' ELSE 'upsert' END;
    change_version := COALESCE((row_data->>'version')::bigint, nextval('change_version_seq'));
  END IF;
  IF TG_NARGS > 1 THEN
    SELECT string_agg(row_data->>key_column, ':' ORDER BY position) INTO change_key
    FROM unnest(TG_ARGV[1:TG_NARGS - 1]) WITH ORDINALITY AS key_columns(key_column, position);
  ELSE
    change_key := row_data->>'id';
  END IF;
  INSERT INTO outbox (entity, op, key, version, payload, trace_header)
  VALUES (TG_ARGV[0], change_op, change_key, change_version, row_data,
          NULLIF(current_setting('karaoke.trace_header', true), ''))
  RETURNING id INTO new_id;
  PERFORM outbox_wake(new_id);
  RETURN NULL;
END;
$$;
