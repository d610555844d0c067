import type { Actor } from '#lib/actor';
import * as rotations from '#services/rotations/contract';
import { type CallContext, requestLine, type ServiceClient } from './service-client.ts';

/** The rotations service as the BFF sees it; writes say whom they are made for. */
export interface RotationsClient {
  open(context: CallContext, actor: Actor, event: rotations.OpenEvent): Promise<rotations.KaraokeEvent>;
  get(context: CallContext, eventId: string): Promise<rotations.KaraokeEvent>;
  rotation(context: CallContext, eventId: string): Promise<rotations.Rotation>;
  request(
    context: CallContext,
    actor: Actor,
    eventId: string,
    request: rotations.InternalSongRequest,
  ): Promise<rotations.RequestReceipt>;
  withdraw(context: CallContext, actor: Actor, eventId: string, requestId: string): Promise<void>;
  changeKey(
    context: CallContext,
    actor: Actor,
    eventId: string,
    requestId: string,
    body: rotations.ChangeKey,
    ifMatch?: string,
  ): Promise<rotations.Rotation>;
  act(
    context: CallContext,
    actor: Actor,
    eventId: string,
    action: rotations.RotationAction,
    ifMatch?: string,
  ): Promise<rotations.Rotation>;
  close(context: CallContext, actor: Actor, eventId: string): Promise<rotations.KaraokeEvent>;
  upcomingTurns(context: CallContext, singerId: string): Promise<{ items: rotations.UpcomingTurn[] }>;
}

export function rotationsClient(client: ServiceClient): RotationsClient {
  const { routes, basePath } = rotations;
  return {
    open: (context, actor, body) =>
      client.call(context, { ...requestLine(basePath, routes.open), body, actor }),
    get: (context, id) => client.call(context, requestLine(basePath, routes.get, { id })),
    rotation: (context, id) => client.call(context, requestLine(basePath, routes.rotation, { id })),
    request: (context, actor, id, body) =>
      client.call(context, { ...requestLine(basePath, routes.request, { id }), body, actor }),
    withdraw: (context, actor, id, requestId) =>
      client.call(context, { ...requestLine(basePath, routes.withdraw, { id, requestId }), actor }),
    changeKey: (context, actor, id, requestId, body, ifMatch) =>
      client.call(context, {
        ...requestLine(basePath, routes.changeKey, { id, requestId }),
        body,
        actor,
        ...(ifMatch === undefined ? {} : { ifMatch }),
      }),
    act: (context, actor, id, action, ifMatch) => {
      const { type, ...move } = action;
      const line =
        type === 'move'
          ? requestLine(basePath, routes.move, { id })
          : requestLine(basePath, routes.turnAction, { id, action: type });
      return client.call(context, {
        ...line,
        ...(type === 'move' ? { body: move } : {}),
        actor,
        ...(ifMatch === undefined ? {} : { ifMatch }),
      });
    },
    close: (context, actor, id) =>
      client.call(context, { ...requestLine(basePath, routes.close, { id }), actor }),
    upcomingTurns: (context, singerId) =>
      client.call(context, requestLine(basePath, routes.upcoming, { id: singerId })),
  };
}
