import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { api, call, describeFailure, type Media, type SongHit } from '../api.ts';
import { SignedIn } from '../components/gate.tsx';
import { Layout, Notice } from '../components/layout.tsx';
import { SongSearch } from '../components/song-search.tsx';
import { declaredType, duration, fileSize, postToBucket } from '../library/upload.ts';
import { mount } from '../mount.tsx';
import { useSession } from '../session.ts';

/** How often the page asks whether the inspector has looked at the files yet. */
const POLL_MS = 1000;

interface ChosenSong {
  id: string;
  title: string;
  artist: string;
}

type Stage = 'asking' | 'sending' | 'checking' | 'ready' | 'rejected' | 'failed';

interface UploadRow {
  key: number;
  songId: string;
  songTitle: string;
  fileName: string;
  sizeBytes: number;
  stage: Stage;
  /** 0–1 of the file sent. */
  sent: number;
  mediaId?: string;
  media?: Media;
  message?: string;
}

function UploadPage() {
  const session = useSession();
  return (
    <Layout title="Upload audio" session={session}>
      <h1>Upload audio</h1>
      <SignedIn
        session={session}
        roles={['curator', 'admin']}
        refusal="Uploading audio is for curators. Ask an admin if you should be one."
      >
        {() => <Uploader />}
      </SignedIn>
    </Layout>
  );
}

function Uploader() {
  const [song, setSong] = useState<ChosenSong | undefined>();
  const [rows, setRows] = useState<UploadRow[]>([]);
  const nextKey = useRef(0);
  const update = (key: number, change: Partial<UploadRow>) =>
    setRows((current) => current.map((row) => (row.key === key ? { ...row, ...change } : row)));

  const start = async (file: File, target: ChosenSong) => {
    const key = nextKey.current++;
    setRows((current) => [
      {
        key,
        songId: target.id,
        songTitle: target.title,
        fileName: file.name,
        sizeBytes: file.size,
        stage: 'asking',
        sent: 0,
      },
      ...current,
    ]);
    const asked = await call(
      api.POST('/api/songs/{id}/media/uploads', {
        params: { path: { id: target.id } },
        body: { fileName: file.name, contentType: declaredType(file), sizeBytes: file.size },
      }),
    );
    if (!asked.ok) {
      update(key, { stage: 'failed', message: describeFailure(asked.failure) });
      return;
    }
    update(key, { stage: 'sending', mediaId: asked.data.mediaId });
    const posted = await postToBucket(asked.data.upload, file, (sent) => update(key, { sent }));
    if (posted.ok) update(key, { stage: 'checking', sent: 1 });
    else update(key, { stage: 'failed', message: posted.message });
  };

  const checking = rows.filter((row) => row.stage === 'checking');
  const songsChecking = [...new Set(checking.map((row) => row.songId))].join(',');
  const [pollProblem, setPollProblem] = useState<string | undefined>();
  const [mediaVersion, setMediaVersion] = useState(0);
  useEffect(() => {
    if (songsChecking === '') return;
    const timer = setInterval(() => {
      for (const songId of songsChecking.split(',')) {
        void call(api.GET('/api/songs/{id}/media', { params: { path: { id: songId } } })).then((outcome) => {
          if (!outcome.ok) {
            setPollProblem(`${describeFailure(outcome.failure)} Still waiting for the check.`);
            return;
          }
          setPollProblem(undefined);
          const byId = new Map(outcome.data.items.map((media) => [media.mediaId, media]));
          setRows((current) =>
            current.map((row) => {
              const media = row.mediaId === undefined ? undefined : byId.get(row.mediaId);
              if (row.stage !== 'checking' || media === undefined || media.status === 'pending') return row;
              return { ...row, stage: media.status, media };
            }),
          );
          setMediaVersion((version) => version + 1);
        });
      }
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [songsChecking]);

  return (
    <>
      <section class="card" aria-labelledby="upload-song">
        <h2 id="upload-song">1. The song</h2>
        {song === undefined ? (
          <ChooseSong onChosen={setSong} />
        ) : (
          <p class="chosen">
            <span>
              Uploading for <strong>{song.title}</strong> by {song.artist}
            </span>{' '}
            <button type="button" class="link" onClick={() => setSong(undefined)}>
              Choose another song
            </button>
          </p>
        )}
      </section>
      <section class="card" aria-labelledby="upload-files">
        <h2 id="upload-files">2. The audio files</h2>
        {song === undefined ? (
          <p class="muted">Choose a song first.</p>
        ) : (
          <DropZone onFiles={(files) => files.forEach((file) => void start(file, song))} />
        )}
      </section>
      {rows.length > 0 && (
        <section class="card" aria-labelledby="upload-progress">
          <h2 id="upload-progress">3. Progress</h2>
          <p class="muted" role="status">
            {progressSummary(rows)}
          </p>
          {pollProblem !== undefined && <Notice tone="error">{pollProblem}</Notice>}
          <ul class="uploads">
            {rows.map((row) => (
              <UploadLine key={row.key} row={row} />
            ))}
          </ul>
        </section>
      )}
      {song !== undefined && <SongMedia songId={song.id} refreshed={mediaVersion} />}
    </>
  );
}

function ChooseSong({ onChosen }: { onChosen: (song: ChosenSong) => void }) {
  const [creating, setCreating] = useState(false);
  const [title, setTitle] = useState('');
  const [artist, setArtist] = useState('');
  const [message, setMessage] = useState<string | undefined>();
  const create = async (event: Event) => {
    event.preventDefault();
    const outcome = await call(
      api.POST('/api/songs', { body: { title: title.trim(), artist: artist.trim() } }),
    );
    if (outcome.ok) onChosen(outcome.data);
    else setMessage(describeFailure(outcome.failure));
  };
  return (
    <>
      <SongSearch onChoose={(hit: SongHit) => onChosen(hit)} />
      {creating ? (
        <form class="new-song" onSubmit={(event) => void create(event)}>
          <h3>A new song</h3>
          <label class="field">
            Title
            <input
              required
              maxLength={200}
              value={title}
              onInput={(event) => setTitle(event.currentTarget.value)}
            />
          </label>
          <label class="field">
            Artist
            <input
              required
              maxLength={200}
              value={artist}
              onInput={(event) => setArtist(event.currentTarget.value)}
            />
          </label>
          <div class="actions">
            <button type="submit" class="button">
              Add the song
            </button>
            <button type="button" class="button secondary" onClick={() => setCreating(false)}>
              Cancel
            </button>
          </div>
          {message !== undefined && <Notice tone="error">{message}</Notice>}
        </form>
      ) : (
        <p>
          Not in the catalog?{' '}
          <button type="button" class="link" onClick={() => setCreating(true)}>
            Add a new song
          </button>
        </p>
      )}
    </>
  );
}

/** A file picker that also takes files dropped on it. */
function DropZone({ onFiles }: { onFiles: (files: File[]) => void }) {
  const id = useId();
  const [over, setOver] = useState(false);
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: dropping is a pointer shortcut; the file input inside is the keyboard's way
    <div
      class={over ? 'dropzone over' : 'dropzone'}
      onDragOver={(event) => {
        event.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(event) => {
        event.preventDefault();
        setOver(false);
        onFiles([...(event.dataTransfer?.files ?? [])]);
      }}
    >
      <label for={id}>
        <strong>Drop audio files here</strong> or choose them
      </label>
      <input
        id={id}
        type="file"
        multiple
        accept="audio/*,.mp3,.m4a,.aac,.wav,.flac,.ogg,.opus"
        aria-describedby={`${id}-hint`}
        onChange={(event) => {
          const input = event.currentTarget;
          onFiles([...(input.files ?? [])]);
          input.value = '';
        }}
      />
      <p id={`${id}-hint`} class="muted">
        MP3, M4A, AAC, WAV, FLAC, Ogg or Opus. Each file is checked once it arrives.
      </p>
    </div>
  );
}

const STAGE_TEXT: Record<Stage, string> = {
  asking: 'Getting ready…',
  sending: 'Uploading',
  checking: 'Uploaded; checking the file…',
  ready: 'Ready',
  rejected: 'Refused',
  failed: 'Not uploaded',
};

/**
 * "2 ready, 1 checking": what screen readers hear as files move on, once per change of stage
 * rather than at every progress event.
 */
function progressSummary(rows: UploadRow[]): string {
  const order: Stage[] = ['asking', 'sending', 'checking', 'ready', 'rejected', 'failed'];
  const words: Record<Stage, string> = {
    asking: 'getting ready',
    sending: 'uploading',
    checking: 'being checked',
    ready: 'ready',
    rejected: 'refused',
    failed: 'not uploaded',
  };
  return order
    .map((stage) => [stage, rows.filter((row) => row.stage === stage).length] as const)
    .filter(([, count]) => count > 0)
    .map(([stage, count]) => `${count} ${words[stage]}`)
    .join(', ');
}

function UploadLine({ row }: { row: UploadRow }) {
  const percent = Math.round(row.sent * 100);
  const media = row.media;
  const detail =
    row.stage === 'sending'
      ? `${percent} %`
      : row.stage === 'ready' && media !== undefined
        ? describeMedia(media)
        : row.stage === 'rejected'
          ? (media?.reason ?? 'The file is not audio this library takes.')
          : row.message;
  return (
    <li class={`upload ${row.stage}`} data-stage={row.stage}>
      <span class="upload-name">
        <strong>{row.fileName}</strong>{' '}
        <span class="muted">
          · {fileSize(row.sizeBytes)} · for {row.songTitle}
        </span>
      </span>
      <progress
        max={100}
        value={row.stage === 'asking' ? undefined : percent}
        aria-label={`Upload of ${row.fileName}`}
      />
      <span class="upload-status">
        {STAGE_TEXT[row.stage]}
        {detail === undefined ? '' : `: ${detail}`}
      </span>
    </li>
  );
}

function describeMedia(media: Media): string {
  const parts = [
    media.format?.toUpperCase(),
    media.durationMs === null ? undefined : duration(media.durationMs),
    media.bitrate === null ? undefined : `${Math.round(media.bitrate / 1000)} kbps`,
    media.sampleRate === null ? undefined : `${(media.sampleRate / 1000).toFixed(1)} kHz`,
  ];
  return parts.filter((part) => part !== undefined).join(' · ');
}

/** The song's files as the API has them, newest first, read again whenever an upload is settled. */
function SongMedia({ songId, refreshed }: { songId: string; refreshed: number }) {
  const [items, setItems] = useState<Media[] | undefined>();
  const [message, setMessage] = useState<string | undefined>();
  useEffect(() => {
    void call(api.GET('/api/songs/{id}/media', { params: { path: { id: songId } } })).then((outcome) => {
      if (outcome.ok) {
        setItems(outcome.data.items);
        setMessage(undefined);
      } else setMessage(describeFailure(outcome.failure));
    });
  }, [songId, refreshed]);
  return (
    <section class="card" aria-labelledby="song-media">
      <h2 id="song-media">Audio of this song</h2>
      {message !== undefined && <Notice tone="error">{message}</Notice>}
      {items?.length === 0 && <p class="muted">No audio yet.</p>}
      {items !== undefined && items.length > 0 && (
        <ul class="media-list">
          {items.map((media) => (
            <li key={media.mediaId}>
              <span class={`badge ${media.status}`}>{media.status}</span>{' '}
              {media.status === 'rejected' ? (media.reason ?? '') : describeMedia(media)}{' '}
              <span class="muted">
                · {fileSize(media.sizeBytes)} · {new Date(media.createdAt).toLocaleString()}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

mount(UploadPage);
