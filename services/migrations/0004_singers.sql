-- outbox_record, still generic, for two more kinds of row:
-- - rows keyed by more than one column (a favourite is a singer and a song): the trigger names its
--   key columns after the entity, and the outbox key joins their values with ':' (default: `id`);
-- - hard deletes: they take a fresh version, because the deleted row still carries the version of
--   its last write and a consumer must be able to order the delete after that write.
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
  INSERT INTO outbox (entity, op, key, version, payload)
  VALUES (TG_ARGV[0], change_op, change_key, change_version, row_data)
  RETURNING id INTO new_id;
  PERFORM outbox_wake(new_id);
  RETURN NULL;
END;
$$;

-- The singers service's singers. The id is the identity provider's `sub` of the user (Cognito's
-- post-confirmation trigger or the BFF at first sign-in creates the row), so no default.
-- stage_name is the singer's; email and the names are seeded from the identity provider's claims.
CREATE TABLE singers (
  id uuid PRIMARY KEY,
  stage_name text NOT NULL CHECK (char_length(stage_name) BETWEEN 1 AND 40),
  given_name text,
  family_name text,
  email text,
  version bigint NOT NULL DEFAULT nextval('change_version_seq'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every write takes a new version, whoever writes it, so versions order changes per singer.
CREATE FUNCTION singers_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.version := nextval('change_version_seq');
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;

CREATE TRIGGER singers_touch BEFORE UPDATE ON singers FOR EACH ROW EXECUTE FUNCTION singers_touch();

CREATE TRIGGER singers_outbox AFTER INSERT OR UPDATE OR DELETE ON singers
  FOR EACH ROW EXECUTE FUNCTION outbox_record('singer');

-- A singer's favourite songs. song_id points into the catalog service's tables, so there is no
-- foreign key: the BFF checks the song exists before adding it. A favourite is added or removed,
-- never changed; its version (from the shared sequence) orders it for consumers and is also the
-- newest-first order of a singer's list.
CREATE TABLE favourites (
  singer_id uuid NOT NULL REFERENCES singers (id) ON DELETE CASCADE,
  song_id uuid NOT NULL,
  version bigint NOT NULL DEFAULT nextval('change_version_seq'),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (singer_id, song_id)
);

CREATE INDEX favourites_newest ON favourites (singer_id, version DESC);

CREATE TRIGGER favourites_outbox AFTER INSERT OR DELETE ON favourites
  FOR EACH ROW EXECUTE FUNCTION outbox_record('favourite', 'singer_id', 'song_id');
