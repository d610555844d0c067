-- The catalog service's songs. Soft delete keeps the row (and its version) so the delete can be
-- ordered against every other change of the same song downstream.
CREATE TABLE songs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
  artist text NOT NULL CHECK (length(artist) BETWEEN 1 AND 300),
  album text,
  duration_ms integer CHECK (duration_ms > 0),
  year integer,
  genre text,
  bpm integer,
  musical_key text,
  explicit boolean NOT NULL DEFAULT false,
  language text,
  isrc text,
  tags text[] NOT NULL DEFAULT '{}',
  first_week date,
  peak integer,
  weeks integer,
  version bigint NOT NULL DEFAULT nextval('change_version_seq'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);

-- The catalog import is idempotent on (title, artist); a deleted song may be added again.
CREATE UNIQUE INDEX songs_title_artist ON songs (lower(title), lower(artist)) WHERE deleted_at IS NULL;

-- Every write takes a new version, whoever writes it, so versions order changes per song.
CREATE FUNCTION songs_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.version := nextval('change_version_seq');
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;

CREATE TRIGGER songs_touch BEFORE UPDATE ON songs FOR EACH ROW EXECUTE FUNCTION songs_touch();
