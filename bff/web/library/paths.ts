/** Where a playlist's page is. */
export const playlistPath = (id: string) => `/library/playlists/${encodeURIComponent(id)}`;
