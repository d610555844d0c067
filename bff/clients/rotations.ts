import type { Actor } from '#lib/actor';
import { ROTATIONS_BASE_PATH } from '#services/rotations/app';
import type {
  KaraokeEvent,
  MoveSinger,
  OpenEvent,
  RequestReceipt,
  Rotation,
  SongRequest,
  UpcomingTurn,
} from '#services/rotations/schema';
import type { CallContext, ServiceClient } from './service-client.ts';

export type RotationAction = { type: 'advance' } | { type: 'skip' } | ({ type: 'move' } & MoveSinger);

/** The rotations service as the BFF sees it; writes say whom they are made for. */
export interface RotationsClient {
  open(context: CallContext, actor: Actor, event: OpenEvent): Promise<KaraokeEvent>;
  get(context: CallContext, eventId: string): Promise<KaraokeEvent>;
  rotation(context: CallContext, eventId: string): Promise<Rotation>;
  request(
    context: CallContext,
    actor: Actor,
    eventId: string,
    request: SongRequest & { stageName: string },
  ): Promise<RequestReceipt>;
  withdraw(context: CallContext, actor: Actor, eventId: string, requestId: string): Promise<void>;
  act(
    context: CallContext,
    actor: Actor,
    eventId: string,
    action: RotationAction,
    ifMatch?: string,
  ): Promise<Rotation>;
  close(context: CallContext, actor: Actor, eventId: string): Promise<KaraokeEvent>;
  upcomingTurns(context: CallContext, singerId: string): Promise<{ items: UpcomingTurn[] }>;
}

export function rotationsClient(client: ServiceClient): RotationsClient {
  const event = (id: string) => `${ROTATIONS_BASE_PATH}/events/${encodeURIComponent(id)}`;
  return {
    open: (context, actor, body) =>
      client.call(context, { method: 'POST', path: `${ROTATIONS_BASE_PATH}/events`, body, actor }),
    get: (context, id) => client.call(context, { method: 'GET', path: event(id) }),
    rotation: (context, id) => client.call(context, { method: 'GET', path: `${event(id)}/rotation` }),
    request: (context, actor, id, body) =>
      client.call(context, { method: 'POST', path: `${event(id)}/requests`, body, actor }),
    withdraw: (context, actor, id, requestId) =>
      client.call(context, {
        method: 'DELETE',
        path: `${event(id)}/requests/${encodeURIComponent(requestId)}`,
        actor,
      }),
    act: (context, actor, id, { type, ...body }, ifMatch) =>
      client.call(context, {
        method: 'POST',
        path: `${event(id)}/rotation/${type}`,
        ...(type === 'move' ? { body } : {}),
        actor,
        ...(ifMatch === undefined ? {} : { ifMatch }),
      }),
    close: (context, actor, id) =>
      client.call(context, { method: 'POST', path: `${event(id)}/close`, actor }),
    upcomingTurns: (context, singerId) =>
      client.call(context, {
        method: 'GET',
        path: `${ROTATIONS_BASE_PATH}/singers/${encodeURIComponent(singerId)}/turns`,
      }),
  };
}
