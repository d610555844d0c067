-- The playlists service's tables: playlists, their items and members, and shares of songs and
-- playlists with other users. User ids are the identity provider's `sub`; song ids point into the
-- catalog service's tables, so neither has a foreign key here.

-- A playlist's version changes with every change to the playlist, its items or its members, so
-- one ETag covers the whole answer of GET /playlists/{id}; the outbox carries each change.
CREATE TABLE playlists (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  owner_id uuid NOT NULL,
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  description text CHECK (char_length(description) <= 2000),
  item_count integer NOT NULL DEFAULT 0 CHECK (item_count BETWEEN 0 AND 1000),
  -- Creation order, never changed: the newest-first order of listings and their cursors.
  created_seq bigint NOT NULL DEFAULT nextval('change_version_seq'),
  version bigint NOT NULL DEFAULT nextval('change_version_seq'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX playlists_by_owner ON playlists (owner_id, created_seq DESC);

CREATE FUNCTION playlists_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.version := nextval('change_version_seq');
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;

CREATE TRIGGER playlists_touch BEFORE UPDATE ON playlists FOR EACH ROW EXECUTE FUNCTION playlists_touch();

CREATE TRIGGER playlists_outbox AFTER INSERT OR UPDATE OR DELETE ON playlists
  FOR EACH ROW EXECUTE FUNCTION outbox_record('playlist');

-- Items in order of `rank` (services/playlists/domain/positions.ts): byte order, hence COLLATE "C".
-- The same song may appear more than once; each appearance is its own item.
CREATE TABLE playlist_items (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  playlist_id uuid NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
  song_id uuid NOT NULL,
  rank text COLLATE "C" NOT NULL CHECK (rank ~ '^[0-9A-Za-z]*[1-9A-Za-z]$'),
  added_by uuid NOT NULL,
  version bigint NOT NULL DEFAULT nextval('change_version_seq'),
  added_at timestamptz NOT NULL DEFAULT now(),
  -- Deferred: a spread-out window rewrites several ranks in one transaction.
  UNIQUE (playlist_id, rank) DEFERRABLE INITIALLY DEFERRED
);

CREATE INDEX playlist_items_by_song ON playlist_items (song_id);

CREATE FUNCTION playlist_items_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.version := nextval('change_version_seq');
  RETURN NEW;
END;
$$;

CREATE TRIGGER playlist_items_touch BEFORE UPDATE ON playlist_items
  FOR EACH ROW EXECUTE FUNCTION playlist_items_touch();

CREATE TRIGGER playlist_items_outbox AFTER INSERT OR UPDATE OR DELETE ON playlist_items
  FOR EACH ROW EXECUTE FUNCTION outbox_record('playlist_item');

CREATE TABLE playlist_members (
  playlist_id uuid NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
  user_id uuid NOT NULL,
  role text NOT NULL CHECK (role IN ('viewer', 'editor')),
  version bigint NOT NULL DEFAULT nextval('change_version_seq'),
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (playlist_id, user_id)
);

CREATE INDEX playlist_members_by_user ON playlist_members (user_id, playlist_id);

CREATE TRIGGER playlist_members_touch BEFORE UPDATE ON playlist_members
  FOR EACH ROW EXECUTE FUNCTION playlist_items_touch();

CREATE TRIGGER playlist_members_outbox AFTER INSERT OR UPDATE OR DELETE ON playlist_members
  FOR EACH ROW EXECUTE FUNCTION outbox_record('playlist_member', 'playlist_id', 'user_id');

-- A song or a playlist shared with one user, for streaming or for download. Deleting the
-- playlist deletes its shares.
CREATE TABLE shares (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  song_id uuid,
  playlist_id uuid REFERENCES playlists (id) ON DELETE CASCADE,
  from_user_id uuid NOT NULL,
  to_user_id uuid NOT NULL,
  permission text NOT NULL CHECK (permission IN ('stream', 'download')),
  message text CHECK (char_length(message) <= 2000),
  version bigint NOT NULL DEFAULT nextval('change_version_seq'),
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((song_id IS NULL) <> (playlist_id IS NULL)),
  CHECK (from_user_id <> to_user_id)
);

CREATE INDEX shares_received ON shares (to_user_id, version DESC);
CREATE INDEX shares_sent ON shares (from_user_id, version DESC);
CREATE INDEX shares_of_song ON shares (song_id, to_user_id) WHERE song_id IS NOT NULL;
CREATE INDEX shares_of_playlist ON shares (playlist_id, to_user_id) WHERE playlist_id IS NOT NULL;

CREATE TRIGGER shares_outbox AFTER INSERT OR UPDATE OR DELETE ON shares
  FOR EACH ROW EXECUTE FUNCTION outbox_record('share');
