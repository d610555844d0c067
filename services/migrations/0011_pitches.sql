-- Pitches: a snapshot of a playlist sent to people without an account, each with a link of their
-- own (/p/<token>; only the token's SHA-256 is kept). Owned by the playlists service.
--
-- No e-mail address, token hash or password hash ever reaches the outbox (whose rows become usage
-- events): recipients and secrets live in tables without an outbox trigger; what is published is
-- the pitch itself and each recipient's activity, keyed by recipient id.
CREATE TABLE pitches (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  owner_id uuid NOT NULL,
  playlist_id uuid REFERENCES playlists (id) ON DELETE SET NULL,
  title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
  message text CHECK (char_length(message) <= 2000),
  expires_at timestamptz,
  allow_download boolean NOT NULL,
  has_password boolean NOT NULL DEFAULT false,
  revoked_at timestamptz,
  created_seq bigint NOT NULL DEFAULT nextval('change_version_seq'),
  version bigint NOT NULL DEFAULT nextval('change_version_seq'),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX pitches_by_owner ON pitches (owner_id, created_seq DESC);

CREATE TRIGGER pitches_touch BEFORE UPDATE ON pitches FOR EACH ROW EXECUTE FUNCTION playlist_items_touch();

CREATE TRIGGER pitches_outbox AFTER INSERT OR UPDATE OR DELETE ON pitches
  FOR EACH ROW EXECUTE FUNCTION outbox_record('pitch');

CREATE TABLE pitch_secrets (
  pitch_id uuid PRIMARY KEY REFERENCES pitches (id) ON DELETE CASCADE,
  password_hash text NOT NULL
);

-- The playlist's items as they were sent: later changes to the playlist do not reach the pitch.
CREATE TABLE pitch_items (
  pitch_id uuid NOT NULL REFERENCES pitches (id) ON DELETE CASCADE,
  position integer NOT NULL,
  song_id uuid NOT NULL,
  PRIMARY KEY (pitch_id, position)
);

CREATE TABLE pitch_recipients (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  pitch_id uuid NOT NULL REFERENCES pitches (id) ON DELETE CASCADE,
  email text NOT NULL,
  name text,
  token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  revoked_at timestamptz,
  delivery_status text NOT NULL DEFAULT 'pending' CHECK (delivery_status IN ('pending', 'sent', 'failed')),
  delivery_attempts integer NOT NULL DEFAULT 0,
  opens integer NOT NULL DEFAULT 0,
  downloads integer NOT NULL DEFAULT 0,
  first_opened_at timestamptz,
  last_opened_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX pitch_recipients_email ON pitch_recipients (pitch_id, lower(email));

CREATE TABLE pitch_plays (
  recipient_id uuid NOT NULL REFERENCES pitch_recipients (id) ON DELETE CASCADE,
  song_id uuid NOT NULL,
  plays integer NOT NULL DEFAULT 0,
  PRIMARY KEY (recipient_id, song_id)
);

-- Each open, play and download, as the usage event it is: recipient id, never their address.
CREATE TABLE pitch_activity (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  pitch_id uuid NOT NULL REFERENCES pitches (id) ON DELETE CASCADE,
  recipient_id uuid NOT NULL REFERENCES pitch_recipients (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('open', 'play', 'download')),
  song_id uuid,
  version bigint NOT NULL DEFAULT nextval('change_version_seq'),
  occurred_at timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER pitch_activity_outbox AFTER INSERT ON pitch_activity
  FOR EACH ROW EXECUTE FUNCTION outbox_record('pitch_activity');
