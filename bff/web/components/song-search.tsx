import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { api, call, type Facet, type Failure, type SearchResult, type SongHit } from '../api.ts';
import { highlight } from '../highlight.ts';

/** Long enough to skip the middle of a word typed quickly, short enough to feel immediate. */
const DEBOUNCE_MS = 120;
/** After this long without an answer the page says it is still waiting. */
const SLOW_MS = 2500;
const RESULTS = 20;

export interface Filters {
  decade?: number;
  genre?: string;
}

interface SongSearchProps {
  /** Enter or a click on an option. */
  onChoose: (song: SongHit) => void;
  initialQuery?: string;
  initialFilters?: Filters;
  /** Told the query and filters after each change (the home page keeps them in its URL). */
  onQueryChange?: (query: string, filters: Filters) => void;
  /** Facets as filters: the home page shows them, the request form on a night does not. */
  withFacets?: boolean;
}

type Answer =
  | { state: 'idle' }
  | { state: 'results'; query: string; result: SearchResult }
  | { state: 'failed'; failure: Failure };

/**
 * The song search box: the WAI-ARIA combobox pattern (an input with a listbox of options), results
 * as you type. Each keystroke's search is numbered and an answer older than the one shown is
 * dropped, so a slow early answer never overwrites a newer one; a failed search keeps what the
 * list showed and says why.
 */
export function SongSearch({
  onChoose,
  initialQuery = '',
  initialFilters = {},
  onQueryChange,
  withFacets = false,
}: SongSearchProps) {
  const id = useId();
  const [query, setQuery] = useState(initialQuery);
  const [filters, setFilters] = useState<Filters>(initialFilters);
  const [answer, setAnswer] = useState<Answer>({ state: 'idle' });
  const [shown, setShown] = useState<{ query: string; result: SearchResult } | undefined>();
  const [active, setActive] = useState(-1);
  const [open, setOpen] = useState(true);
  const [slow, setSlow] = useState(false);
  const sent = useRef(0);
  const rendered = useRef(0);

  useEffect(() => {
    onQueryChange?.(query, filters);
    const text = query.trim();
    if (text === '' && filters.decade === undefined && filters.genre === undefined) {
      sent.current++;
      rendered.current = sent.current;
      setShown(undefined);
      setAnswer({ state: 'idle' });
      setSlow(false);
      return;
    }
    const number = ++sent.current;
    const controller = new AbortController();
    const slowTimer = setTimeout(() => setSlow(true), DEBOUNCE_MS + SLOW_MS);
    const timer = setTimeout(() => {
      const request = api.GET('/api/songs/search', {
        params: { query: { q: text, limit: RESULTS, ...filters, ...(withFacets ? { facets: 'true' } : {}) } },
        signal: controller.signal,
      });
      call(request)
        .then((outcome) => {
          if (number < rendered.current) return;
          rendered.current = number;
          clearTimeout(slowTimer);
          setSlow(false);
          if (outcome.ok) {
            setShown({ query: text, result: outcome.data });
            setAnswer({ state: 'results', query: text, result: outcome.data });
            setActive(-1);
            setOpen(true);
          } else {
            setAnswer({ state: 'failed', failure: outcome.failure });
          }
        })
        .catch(() => undefined);
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      clearTimeout(slowTimer);
      controller.abort();
    };
  }, [query, filters.decade, filters.genre]);

  const items = shown?.result.items ?? [];
  const expanded = open && items.length > 0;
  const optionId = (index: number) => `${id}-option-${index}`;

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      if (items.length === 0) return;
      event.preventDefault();
      setOpen(true);
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive(
        (current) => (current + step + items.length + (current === -1 && step < 0 ? 1 : 0)) % items.length,
      );
    } else if (event.key === 'Enter') {
      const song = items[active];
      if (expanded && song !== undefined) {
        event.preventDefault();
        onChoose(song);
      }
    } else if (event.key === 'Escape') {
      event.preventDefault();
      if (expanded) setOpen(false);
      else setQuery('');
      setActive(-1);
    }
  };

  useEffect(() => {
    if (active >= 0) document.getElementById(optionId(active))?.scrollIntoView({ block: 'nearest' });
  }, [active]);

  return (
    <div class="song-search">
      <label for={`${id}-input`} class="search-label">
        Search songs
      </label>
      <div class="search-field">
        <input
          id={`${id}-input`}
          type="search"
          // The options are this listbox, not a <datalist>.
          list={undefined}
          // biome-ignore lint/a11y/noRedundantRoles: without a datalist an input is a textbox; the combobox pattern names it
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={expanded}
          aria-controls={`${id}-listbox`}
          aria-activedescendant={expanded && active >= 0 ? optionId(active) : undefined}
          aria-describedby={`${id}-status`}
          autocomplete="off"
          autocapitalize="off"
          spellcheck={false}
          maxLength={200}
          placeholder="Title or artist"
          value={query}
          onInput={(event) => setQuery(event.currentTarget.value)}
          onKeyDown={onKeyDown}
          onFocus={() => setOpen(true)}
        />
      </div>
      {withFacets && shown !== undefined && (
        <FacetFilters facets={shown.result.facets} filters={filters} onChange={setFilters} />
      )}
      <p id={`${id}-status`} class="search-status" role="status">
        <StatusText answer={answer} shown={shown} slow={slow} />
      </p>
      <div
        id={`${id}-listbox`}
        role="listbox"
        aria-label="Songs"
        class="results"
        hidden={!expanded}
        // Which search the options answer: the bench times keystroke → these options from it.
        data-query={shown?.query}
      >
        {items.map((song, index) => (
          // Options are never focused: focus stays in the input, which points at the active option
          // (aria-activedescendant) and handles the keys for the whole list.
          // biome-ignore lint/a11y/useFocusableInteractive: the combobox pattern keeps focus in the input
          // biome-ignore lint/a11y/useKeyWithClickEvents: the input handles ↑ ↓ Enter Esc for the list
          <div
            key={song.id}
            id={optionId(index)}
            role="option"
            aria-selected={index === active}
            class={index === active ? 'option active' : 'option'}
            onMouseDown={(event) => event.preventDefault()}
            onClick={() => onChoose(song)}
            onMouseMove={() => index !== active && setActive(index)}
          >
            <span class="option-title">
              <Marked text={song.title} query={shown?.query ?? ''} />
              {song.hasAudio && (
                <span class="audio-mark" title="Has audio">
                  <span aria-hidden="true"> ♪</span>
                  <span class="visually-hidden">, has audio</span>
                </span>
              )}
            </span>
            <span class="option-meta">
              <Marked text={song.artist} query={shown?.query ?? ''} />
              {song.year !== null && <span class="year"> · {song.year}</span>}
            </span>
          </div>
        ))}
      </div>
    </div>
  );
}

function Marked({ text, query }: { text: string; query: string }) {
  return (
    <>
      {highlight(text, query).map((piece, index) =>
        piece.matched ? <mark key={index}>{piece.text}</mark> : piece.text,
      )}
    </>
  );
}

function StatusText({
  answer,
  shown,
  slow,
}: {
  answer: Answer;
  shown: { query: string; result: SearchResult } | undefined;
  slow: boolean;
}) {
  if (answer.state === 'failed') {
    const { failure } = answer;
    const kept = shown !== undefined ? ' Showing the last results.' : '';
    if (failure.kind === 'rate-limited')
      return <>{`Too many searches: try again in ${failure.retryAfterSeconds} s.${kept}`}</>;
    return <>{`Search is not answering right now.${kept}`}</>;
  }
  if (slow) return <>Still searching…</>;
  if (answer.state !== 'results') return null;
  const { total, totalExact, items } = answer.result;
  if (total === 0) return <>{`No songs match “${answer.query}”.`}</>;
  // Without facets the search counts matches only up to a bound: "100+" rather than a false number.
  const counted = totalExact ? `${total}` : `${total}+`;
  return (
    <>
      {total > items.length || !totalExact
        ? `${items.length} of ${counted} songs`
        : `${total} ${total === 1 ? 'song' : 'songs'}`}
    </>
  );
}

function FacetFilters({
  facets,
  filters,
  onChange,
}: {
  facets: SearchResult['facets'];
  filters: Filters;
  onChange: (filters: Filters) => void;
}) {
  const option = (facet: Facet, label: string) => (
    <option key={facet.value} value={facet.value}>{`${label} (${facet.count})`}</option>
  );
  return (
    <fieldset class="facets">
      <legend class="visually-hidden">Filters</legend>
      <label>
        Decade
        <select
          value={filters.decade === undefined ? '' : String(filters.decade)}
          onChange={(event) => {
            const value = event.currentTarget.value;
            onChange({ ...filters, decade: value === '' ? undefined : Number(value) });
          }}
        >
          <option value="">Any decade</option>
          {facets.decade.map((facet) => option(facet, `${facet.value}s`))}
        </select>
      </label>
      {(facets.genre.length > 0 || filters.genre !== undefined) && (
        <label>
          Genre
          <select
            value={filters.genre ?? ''}
            onChange={(event) => {
              const value = event.currentTarget.value;
              onChange({ ...filters, genre: value === '' ? undefined : value });
            }}
          >
            <option value="">Any genre</option>
            {facets.genre.map((facet) => option(facet, facet.value))}
          </select>
        </label>
      )}
    </fieldset>
  );
}
