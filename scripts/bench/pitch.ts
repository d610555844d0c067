import { type LoadResult, runInterleaved } from './load.ts';

/**
 * `GET /p/<token>` under load: a pitch of `songs` songs (one recipient, no password) is made
 * through the BFF, and its page is loaded in slices interleaved with a baseline read of the same
 * BFF. Each page view is one playlists-service call (resolve, counting the open: a row and its
 * outbox event) and the songs' facts from the read cache.
 */
export async function pitchPageLoad(options: {
  api: string;
  curator: Record<string, string>;
  owner: Record<string, string>;
  songs: number;
  baselineUrl: string;
  concurrency: number;
  sliceSeconds: number;
  slices: number;
}): Promise<{ baseline: LoadResult; candidate: LoadResult; sliceRatios: number[] }> {
  const send = async (path: string, headers: Record<string, string>, body: unknown) => {
    const response = await fetch(`${options.api}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    if (response.status !== 201) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  const playlist = (await send('/playlists', options.owner, { name: 'Bench: pitched' })) as { id: string };
  for (let index = 0; index < options.songs; index++) {
    const song = (await send('/songs', options.curator, {
      title: `Bench Pitched Song ${index}`,
      artist: 'Bench',
      durationMs: 180_000 + index,
    })) as { id: string };
    await send(`/playlists/${playlist.id}/items`, options.owner, { songId: song.id });
  }
  const sent = (await send('/pitches', options.owner, {
    playlistId: playlist.id,
    title: 'Bench pitch',
    recipients: [{ email: 'bench-recipient@recipients.test' }],
    allowDownload: false,
  })) as { links: Array<{ link: string }> };
  const token = new URL(sent.links[0]?.link ?? '').pathname.split('/p/')[1];
  const page = `${new URL(options.api).origin}/p/${token}`;
  const first = await fetch(page);
  if (first.status !== 200) throw new Error(`${page}: ${first.status} ${await first.text()}`);
  const slice = { concurrency: options.concurrency, seconds: options.sliceSeconds, warmupSeconds: 0.5 };
  return runInterleaved(
    { urls: [options.baselineUrl], ...slice },
    { urls: [page], ...slice },
    options.slices,
  );
}
