import { useState } from 'preact/hooks';

/**
 * Play a song's audio. The audio is only asked for on Play: the stream route answers with a
 * short-lived link, so a page listing many songs loads none of them until one is played.
 */
export function Player({ songId, title }: { songId: string; title?: string }) {
  const [playing, setPlaying] = useState(false);
  if (!playing)
    return (
      <button
        type="button"
        class="button"
        aria-label={title === undefined ? undefined : `Play “${title}”`}
        onClick={() => setPlaying(true)}
      >
        ▶ Play
      </button>
    );
  return (
    // biome-ignore lint/a11y/useMediaCaption: a song's audio has no captions to offer
    <audio
      controls
      autoplay
      src={`/api/songs/${encodeURIComponent(songId)}/media/stream`}
      aria-label={title === undefined ? 'Song audio' : `Audio of “${title}”`}
    />
  );
}

/** Save a song's audio file: the download route answers with a short-lived attachment link. */
export function DownloadLink({ songId, title }: { songId: string; title: string }) {
  return (
    <a class="button secondary" href={`/api/songs/${encodeURIComponent(songId)}/media/download`} download>
      ⤓ Download<span class="visually-hidden"> “{title}”</span>
    </a>
  );
}
