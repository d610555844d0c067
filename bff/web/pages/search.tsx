import { Layout } from '../components/layout.tsx';
import { type Filters, SongSearch } from '../components/song-search.tsx';
import { mount } from '../mount.tsx';
import { useSession } from '../session.ts';

const songPath = (id: string) => `/songs/${encodeURIComponent(id)}`;

/** The search's state lives in the address (`?q=&decade=&genre=`), so back and reload keep it. */
function readFilters(params: URLSearchParams): Filters {
  const decade = Number(params.get('decade'));
  const genre = params.get('genre');
  return {
    ...(Number.isInteger(decade) && decade > 0 ? { decade } : {}),
    ...(genre ? { genre } : {}),
  };
}

function keepInAddress(query: string, filters: Filters) {
  const params = new URLSearchParams();
  if (query !== '') params.set('q', query);
  if (filters.decade !== undefined) params.set('decade', String(filters.decade));
  if (filters.genre !== undefined) params.set('genre', filters.genre);
  const search = params.toString();
  history.replaceState(null, '', search === '' ? location.pathname : `${location.pathname}?${search}`);
}

function SearchPage() {
  const session = useSession();
  const params = new URLSearchParams(location.search);
  return (
    <Layout title="Search songs" session={session}>
      <section class="hero">
        <h1>Find a song to sing</h1>
        <p class="lead">Type a title or an artist: results appear as you type.</p>
        <SongSearch
          withFacets
          initialQuery={params.get('q') ?? ''}
          initialFilters={readFilters(params)}
          onQueryChange={keepInAddress}
          onChoose={(song) => location.assign(songPath(song.id))}
        />
      </section>
    </Layout>
  );
}

mount(SearchPage);
