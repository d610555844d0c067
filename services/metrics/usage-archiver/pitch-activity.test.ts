import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ChangeMessage } from '#services/sync/changes';
import { recipientHash, UsageEvent } from '../contract.ts';
import { pitchUsageEvent } from './pitch-activity.ts';

const recipient = recipientHash('k'.repeat(40), 'ann@label.test');
const change = (payload: Record<string, unknown>, op: 'upsert' | 'delete' = 'upsert'): ChangeMessage => ({
  outboxId: 7,
  entity: 'pitch_activity',
  op,
  key: String(payload.id),
  version: 12,
  occurredAt: '2026-12-05T12:00:00.000Z',
  payload,
});
const row = (kind: string, songId: string | null = randomUUID()) => ({
  id: randomUUID(),
  pitch_id: randomUUID(),
  recipient_id: randomUUID(),
  recipient_key: recipient,
  kind,
  song_id: songId,
  version: 12,
  occurred_at: '2026-12-05T12:00:01+00:00',
});

describe('pitch activity as usage events', () => {
  it('a sending, an open, a play and a download become pitch.sent, pitch.opened, pitch.played and pitch.downloaded by recipient hash', () => {
    for (const [kind, type] of [
      ['sent', 'pitch.sent'],
      ['open', 'pitch.opened'],
      ['play', 'pitch.played'],
      ['download', 'pitch.downloaded'],
    ] as const) {
      const activity = row(kind, kind === 'open' || kind === 'sent' ? null : randomUUID());
      const parsed = pitchUsageEvent(change(activity));
      expect(parsed.ok).toBe(true);
      const event = parsed.ok ? parsed.value : null;
      expect(UsageEvent.parse(event)).toMatchObject({
        type,
        actor: { kind: 'recipient', id: recipient },
        subject: { kind: 'pitch', id: activity.pitch_id },
        occurredAt: '2026-12-05T12:00:01.000Z',
      });
      // The recipient's row id and address never travel.
      expect(JSON.stringify(event)).not.toContain(activity.recipient_id);
      // The same row published twice is the same event.
      const again = pitchUsageEvent(change(activity));
      expect(again.ok && again.value?.eventId).toBe(event?.eventId);
    }
  });

  it('rows without a recipient hash, and deletes, are no event; malformed rows are refused', () => {
    expect(pitchUsageEvent(change({ ...row('open', null), recipient_key: null }))).toEqual({
      ok: true,
      value: null,
    });
    expect(pitchUsageEvent(change(row('open', null), 'delete'))).toEqual({ ok: true, value: null });
    expect(pitchUsageEvent(change({ ...row('play'), song_id: null })).ok).toBe(false);
    expect(pitchUsageEvent(change({ ...row('play'), kind: 'stolen' })).ok).toBe(false);
    expect(pitchUsageEvent(change({ id: 'x' })).ok).toBe(false);
  });
});
