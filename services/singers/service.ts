import * as z from 'zod';
import { decodeCursor, encodeCursor } from '#lib/cursor';
import { NotFoundError } from '#lib/errors';
import type {
  ClaimsProfile,
  Favourite,
  FavouritesPage,
  FavouritesQuery,
  Singer,
  UpdateSinger,
} from './contract.ts';
import type { SingerStore, StoredFavourite } from './repo.ts';
import { seedFromClaims } from './seed.ts';

export interface SingersService {
  /** Idempotent: creates the singer from the claims, or refreshes it (see `SingerStore.upsert`). */
  upsertFromClaims(id: string, claims: ClaimsProfile): Promise<{ singer: Singer; created: boolean }>;
  get(id: string): Promise<Singer>;
  update(id: string, patch: UpdateSinger): Promise<Singer>;
  favourites(id: string, query: FavouritesQuery): Promise<FavouritesPage>;
  /** Idempotent: adding a favourite twice keeps the first one (and its place in the list). */
  addFavourite(id: string, songId: string): Promise<{ favourite: Favourite; created: boolean }>;
  /** Idempotent: removing a favourite that is not there succeeds. */
  removeFavourite(id: string, songId: string): Promise<void>;
}

/** Where a page of favourites starts: after the favourite with this version (newest first). */
const FavouritesCursor = z.object({ before: z.int().positive() });

/** An opaque cursor for the page after the favourite with this version. */
export function encodeFavouritesCursor(version: number): string {
  return encodeCursor({ before: version });
}

/** The version a cursor stands for; a ValidationError for anything this service did not issue. */
export function decodeFavouritesCursor(cursor: string): number {
  return decodeCursor(cursor, FavouritesCursor).before;
}

const withoutVersion = ({ songId, addedAt }: StoredFavourite): Favourite => ({ songId, addedAt });

export function createSingersService(deps: { singers: SingerStore }): SingersService {
  const { singers } = deps;
  const notFound = (id: string) => new NotFoundError(`No singer with id ${id}.`);
  return {
    async upsertFromClaims(id, claims) {
      return singers.upsert(id, seedFromClaims(claims));
    },
    async get(id) {
      return (await singers.get(id)) ?? Promise.reject(notFound(id));
    },
    async update(id, patch) {
      return (await singers.update(id, patch)) ?? Promise.reject(notFound(id));
    },
    async favourites(id, query) {
      const before = query.cursor === undefined ? null : decodeFavouritesCursor(query.cursor);
      if (!(await singers.exists(id))) throw notFound(id);
      const [rows, total] = await Promise.all([
        singers.favourites(id, query.limit + 1, before),
        singers.countFavourites(id),
      ]);
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        items: page.map(withoutVersion),
        total,
        cursor: rows.length > query.limit && last ? encodeFavouritesCursor(last.version) : null,
      };
    },
    async addFavourite(id, songId) {
      const added = await singers.addFavourite(id, songId);
      if (!added) throw notFound(id);
      return { favourite: withoutVersion(added.favourite), created: added.created };
    },
    async removeFavourite(id, songId) {
      if (!(await singers.removeFavourite(id, songId)) && !(await singers.exists(id))) throw notFound(id);
    },
  };
}
