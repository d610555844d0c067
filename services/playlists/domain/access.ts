import type { Access, Permission, Role } from '../contract.ts';

/** What can be done to a playlist. */
export type PlaylistAction = 'read' | 'edit-items' | 'manage';

/**
 * How a user stands to a playlist: its owner; a member with their role; `shared` when the
 * playlist was shared with them (any permission) and they are no member; otherwise nothing.
 */
export function accessOf(
  playlist: { ownerId: string },
  userId: string,
  membership: Role | null,
  sharedWithUser: boolean,
): Access | null {
  if (playlist.ownerId === userId) return 'owner';
  if (membership) return membership;
  return sharedWithUser ? 'shared' : null;
}

/**
 * Who may do what: the owner everything (rename, delete, members, shares of the playlist); an
 * editor the items too; a viewer, and a user the playlist is shared with, reading only.
 */
export function allows(access: Access | null, action: PlaylistAction): boolean {
  switch (action) {
    case 'read':
      return access !== null;
    case 'edit-items':
      return access === 'owner' || access === 'editor';
    case 'manage':
      return access === 'owner';
  }
}

/** Roles that may download any track, and so may let others download by sharing for download. */
export const DOWNLOADER_ROLES = ['curator', 'admin'] as const;

/**
 * Whether a user with `roles` may share with `permission`. Anyone may share for streaming; a
 * share for download hands on the right to download, so only those who hold that right themselves
 * (curators and admins) may give it. Otherwise any two users could grant each other downloads.
 */
export function maySharePermission(roles: readonly string[], permission: Permission): boolean {
  return permission === 'stream' || DOWNLOADER_ROLES.some((role) => roles.includes(role));
}
