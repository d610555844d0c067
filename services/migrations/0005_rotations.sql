-- Karaoke nights (the rotations service). The log is the truth: every change to a night is one
-- appended row of rotation_events, numbered per night. `rotations` is the read model, the fold of
-- the log kept next to it for fast reads; it can always be rebuilt from the log.
CREATE TABLE rotation_events (
  event_id uuid NOT NULL,
  seq integer NOT NULL CHECK (seq > 0),
  type text NOT NULL,
  data jsonb NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (event_id, seq)
);

-- `version` is the seq of the last event folded into `state`; appends take the row lock and check
-- it, so two KJ actions on one night are serialised, never interleaved.
CREATE TABLE rotations (
  event_id uuid PRIMARY KEY,
  kj_id uuid NOT NULL,
  name text NOT NULL,
  closed boolean NOT NULL DEFAULT false,
  version integer NOT NULL,
  state jsonb NOT NULL,
  -- Singers with a pending or performing request, for "your upcoming turns" without scanning states.
  waiting_singers uuid[] NOT NULL DEFAULT '{}',
  opened_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX rotations_waiting ON rotations USING gin (waiting_singers) WHERE NOT closed;

-- Two kinds of log event leave the database through the outbox: a finished performance (to the
-- performances service) and a singer becoming next-up (to the notifications topic). The outbox
-- key is "<event_id>:<seq>", unique per log entry, so redelivery is recognisable downstream.
CREATE TRIGGER rotation_performances_outbox AFTER INSERT ON rotation_events
  FOR EACH ROW WHEN (NEW.type = 'PerformanceCompleted')
  EXECUTE FUNCTION outbox_record('performance', 'event_id', 'seq');

CREATE TRIGGER rotation_up_next_outbox AFTER INSERT ON rotation_events
  FOR EACH ROW WHEN (NEW.type = 'SingerUpNext')
  EXECUTE FUNCTION outbox_record('up-next', 'event_id', 'seq');

-- The performances service's history: one row per completed turn, written by its SQS consumer
-- from PerformanceCompleted. request_id is unique, so a redelivered message writes nothing.
-- A walk-in guest's turns are kept under the guest's id, which no account has. Song facts are a
-- snapshot taken at request time.
CREATE TABLE performances (
  request_id uuid PRIMARY KEY,
  singer_id uuid NOT NULL,
  event_id uuid NOT NULL,
  kj_id uuid NOT NULL,
  song_id uuid NOT NULL,
  title text NOT NULL,
  artist text NOT NULL,
  key_change smallint NOT NULL,
  started_at timestamptz NOT NULL,
  ended_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX performances_newest ON performances (singer_id, ended_at DESC, request_id DESC);
