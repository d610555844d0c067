/**
 * The rotation's event log. Every change to a karaoke night is one of these, appended with a
 * sequence number (1, 2, …) per event; the read model is a fold of the log (see `rotation.ts`).
 * Times are ISO-8601 strings in UTC. Song facts are snapshots taken when the song was requested,
 * so the log alone rebuilds the rotation and the performance history.
 */

export type Fairness = 'fair' | 'newcomers-first' | 'bottom';

export interface SongSnapshot {
  songId: string;
  title: string;
  artist: string;
  /** Null when the catalog does not know; estimates then use a default duration. */
  durationMs: number | null;
}

export type RotationEvent =
  | {
      type: 'EventOpened';
      eventId: string;
      name: string;
      kjId: string;
      fairness: Fairness;
      /** Pending requests one singer may have at once; null: no limit. */
      maxQueuedPerSinger: number | null;
      publicDisplay: boolean;
      at: string;
    }
  /** A singer's first request of the night makes them join the cycle; always followed by their SongRequested. */
  | { type: 'SingerJoined'; singerId: string; stageName: string; guest: boolean; at: string }
  | ({
      type: 'SongRequested';
      requestId: string;
      singerId: string;
      keyChange: number;
      at: string;
    } & SongSnapshot)
  | { type: 'RequestWithdrawn'; requestId: string; singerId: string; at: string }
  | { type: 'TurnStarted'; requestId: string; singerId: string; at: string }
  | ({
      type: 'PerformanceCompleted';
      requestId: string;
      singerId: string;
      stageName: string;
      kjId: string;
      eventId: string;
      keyChange: number;
      startedAt: string;
      at: string;
    } & SongSnapshot)
  | { type: 'TurnSkipped'; requestId: string; singerId: string; at: string }
  /** A waiting request's key, changed by its singer or the KJ; the turn keeps its place. */
  | { type: 'KeyChanged'; requestId: string; singerId: string; keyChange: number; at: string }
  /** The KJ put a singer at `position` of upNext. */
  | { type: 'SingerMoved'; singerId: string; position: number; at: string }
  /**
   * A singer became next-up (first of upNext) as the result of the other events of the same
   * command. Appended once per change of next-up singer, never on reads; it leaves through the
   * outbox as the "you're up next" notification.
   */
  | { type: 'SingerUpNext'; singerId: string; requestId: string; estimatedStartAt: string; at: string }
  | { type: 'EventClosed'; at: string };

/** An event as stored: its place in the log of one karaoke night. */
export interface StoredRotationEvent {
  eventId: string;
  seq: number;
  event: RotationEvent;
}
