import { ConflictError, DatabaseError, NotFoundError } from '#lib/errors';
import type { CreateSong, Song, UpdateSong } from './contract.ts';
import type { SongStore } from './repo.ts';
import type { SongIndex, SongSearchQuery, SongSearchResult } from './search/port.ts';

const UNIQUE_VIOLATION = '23505';

export interface CatalogService {
  get(id: string): Promise<Song>;
  /** The songs of these ids that exist; unknown and deleted ids are left out. */
  lookup(ids: readonly string[]): Promise<Song[]>;
  create(fields: CreateSong): Promise<Song>;
  update(id: string, patch: UpdateSong): Promise<Song>;
  remove(id: string): Promise<void>;
  search(query: SongSearchQuery): Promise<SongSearchResult>;
  importBatch(songs: CreateSong[]): ReturnType<SongStore['importBatch']>;
}

export function createCatalogService(deps: { songs: SongStore; index: SongIndex }): CatalogService {
  const { songs, index } = deps;
  const notFound = (id: string) => new NotFoundError(`No song with id ${id}.`);
  const duplicate = (error: unknown): never => {
    if (error instanceof DatabaseError && error.sqlState === UNIQUE_VIOLATION) {
      throw new ConflictError('A song with this title and artist is already in the catalog.');
    }
    throw error;
  };
  return {
    async get(id) {
      return (await songs.get(id)) ?? Promise.reject(notFound(id));
    },
    lookup: (ids) => songs.getMany([...new Set(ids)]),
    async create(fields) {
      return songs.create(fields).catch(duplicate);
    },
    async update(id, patch) {
      return (await songs.update(id, patch).catch(duplicate)) ?? Promise.reject(notFound(id));
    },
    async remove(id) {
      if (!(await songs.softDelete(id))) throw notFound(id);
    },
    search: (query) => index.search(query),
    importBatch: (batch) => songs.importBatch(batch),
  };
}
