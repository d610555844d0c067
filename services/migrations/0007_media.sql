-- Media of catalog songs (catalog service). The object lives in S3 under media/<song_id>/<id>; this
-- row says what the inspector found in it. A song knows whether it has playable audio.
ALTER TABLE songs ADD COLUMN has_audio boolean NOT NULL DEFAULT false;

CREATE TABLE media (
  id uuid PRIMARY KEY,
  song_id uuid NOT NULL REFERENCES songs (id),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ready', 'rejected')),
  -- Why a media was rejected, in words a curator understands.
  reason text,
  -- What the curator declared when asking for the upload.
  file_name text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
  content_type text NOT NULL,
  declared_size_bytes bigint NOT NULL CHECK (declared_size_bytes > 0),
  -- What the inspector found, once it has looked.
  size_bytes bigint,
  etag text,
  format text,
  codec text,
  duration_ms integer,
  bitrate integer,
  sample_rate integer,
  channels smallint,
  sha256 text,
  tags jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  inspected_at timestamptz
);

CREATE INDEX media_song ON media (song_id, created_at DESC);
