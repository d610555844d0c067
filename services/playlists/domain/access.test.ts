import { describe, expect, it } from 'vitest';
import { accessOf, allows, maySharePermission } from './access.ts';

const playlist = { ownerId: 'owner' };

describe('who may do what with a playlist', () => {
  it('the owner may do everything, even when also listed as a member', () => {
    const access = accessOf(playlist, 'owner', 'viewer', false);
    expect(access).toBe('owner');
    expect(['read', 'edit-items', 'manage'].every((action) => allows(access, action as never))).toBe(true);
  });

  it('an editor may read and change items, not manage the playlist', () => {
    const access = accessOf(playlist, 'ed', 'editor', false);
    expect([allows(access, 'read'), allows(access, 'edit-items'), allows(access, 'manage')]).toEqual([
      true,
      true,
      false,
    ]);
  });

  it('a viewer and a user the playlist is shared with may only read', () => {
    for (const access of [accessOf(playlist, 'v', 'viewer', false), accessOf(playlist, 's', null, true)]) {
      expect([allows(access, 'read'), allows(access, 'edit-items'), allows(access, 'manage')]).toEqual([
        true,
        false,
        false,
      ]);
    }
  });

  it('anyone else may do nothing', () => {
    const access = accessOf(playlist, 'stranger', null, false);
    expect(access).toBeNull();
    expect(allows(access, 'read')).toBe(false);
  });

  it('anyone may share for streaming; only curators and admins for download', () => {
    expect(maySharePermission(['singer'], 'stream')).toBe(true);
    expect(maySharePermission(['singer'], 'download')).toBe(false);
    expect(maySharePermission(['kj'], 'download')).toBe(false);
    expect(maySharePermission(['curator'], 'download')).toBe(true);
    expect(maySharePermission(['admin'], 'download')).toBe(true);
  });
});
