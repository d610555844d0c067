import type { PostConfirmationTriggerEvent } from 'aws-lambda';
import { z } from 'zod';
import { ValidationError } from '#lib/errors';
import type { Logger } from '#lib/log';
import type { ClaimsProfile } from './contract.ts';
import type { SingersService } from './service.ts';

/**
 * The user attributes of a confirmed sign-up, as Cognito sends them (all strings). Only `sub` is
 * required; the others are free text the user typed and only seed the profile.
 */
const ConfirmedUser = z.object({
  sub: z.uuid({ error: 'must be the user’s sub (uuid)' }),
  email: z.string().optional(),
  name: z.string().optional(),
  given_name: z.string().optional(),
  family_name: z.string().optional(),
  preferred_username: z.string().optional(),
});

const TriggerEvent = z.object({
  triggerSource: z.string(),
  request: z.object({ userAttributes: ConfirmedUser }),
});

export interface PostConfirmationDeps {
  singers: SingersService;
  log: Logger;
}

/** The claims a confirmed user's attributes stand for. */
export function claimsFromAttributes(attributes: z.infer<typeof ConfirmedUser>): ClaimsProfile {
  return {
    email: attributes.email ?? null,
    name: attributes.name ?? null,
    givenName: attributes.given_name ?? null,
    familyName: attributes.family_name ?? null,
    preferredUsername: attributes.preferred_username ?? null,
  };
}

/**
 * The Cognito post-confirmation trigger: creates the singer whose id is the new user's `sub`,
 * through the singers service in this process, and hands the event back unchanged (Cognito
 * expects that). Idempotent, because Cognito retries a trigger that fails or times out. A
 * password-reset confirmation (`PostConfirmation_ConfirmForgotPassword`) changes nothing. A
 * malformed event is refused with an error, which fails the confirmation visibly instead of
 * leaving a user without a singer; the BFF also creates a missing singer at first sign-in.
 */
export function createPostConfirmationHandler(deps: PostConfirmationDeps) {
  return async (event: PostConfirmationTriggerEvent): Promise<PostConfirmationTriggerEvent> => {
    if (event.triggerSource !== 'PostConfirmation_ConfirmSignUp') return event;
    const parsed = TriggerEvent.safeParse(event);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => ({
        path: issue.path.join('.'),
        message: issue.message,
      }));
      deps.log.error('malformed post-confirmation event', { 'event.reason': JSON.stringify(issues) });
      throw new ValidationError('The post-confirmation event is malformed.', issues);
    }
    const attributes = parsed.data.request.userAttributes;
    const { created } = await deps.singers.upsertFromClaims(attributes.sub, claimsFromAttributes(attributes));
    deps.log.info(created ? 'singer created for a confirmed sign-up' : 'singer already existed', {
      'user.id': attributes.sub,
    });
    return event;
  };
}
