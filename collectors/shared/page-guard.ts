/**
 * One repeat guard for every paged endpoint of every vendor. A vendor whose paging loops (a page
 * served again, a cursor handed back that was already used, a position that stops moving) would
 * otherwise be read until the request budget runs out, doubling rows on the way. The guard ends the
 * stream at the first repeat with exit 7, naming the endpoint. It keeps only digests, and a bounded
 * number of them, so a long list costs a few bytes a page.
 */
import { createHash } from 'node:crypto';
import { PayloadError } from '../../warehouse/errors.js';

/** More pages than any budget allows; past this the guard stops remembering (it still checks advance). */
const MAX_REMEMBERED = 50_000;

/** A payload the vendor should not have sent (exit 7, like every untrustworthy answer), with its own code and advice. */
export class PagingLoopError extends PayloadError {
  readonly endpoint: string;
  constructor(source: string, endpoint: string, detail: string) {
    super(source, `${endpoint} returned ${detail}: the vendor's paging is looping; nothing was published`, {
      code: 'ERR_VENDOR_PAGING_LOOP',
      hint: `Re-run later; if it persists, report it to ${source} (the previous snapshot is untouched).`,
    });
    this.endpoint = endpoint;
  }
}

export interface PageSeen {
  /** 1-based number of the page in this stream, as read. */
  number: number;
  items: readonly unknown[];
  /** The cursor the vendor handed out with this page (NinjaOne query cursor.name), if any. */
  cursor?: string | undefined;
  /** A position that must grow from page to page (NinjaOne after id, cursor.offset, PMP page echo). */
  position?: number | undefined;
}

export interface PageGuard {
  /** Remember a page that is about to be used; throws PagingLoopError on a repeat or a stalled position. */
  accept(page: PageSeen): void;
  /** The number of an earlier page with the same items, if any (for a client deciding how to report a bad page). */
  earlierCopyOf(items: readonly unknown[]): number | undefined;
}

/** An item's identity for the digest (default: the item itself, as JSON). */
export type Identity = (item: unknown) => string;

/**
 * A digest of the page's items: by default of their JSON, the whole page stringified at once (items
 * are parsed JSON, so equal text is equal items; one string per page rather than one hash update
 * per row, which cost a tenth of a NinjaOne collection's CPU).
 */
export function pageDigest(items: readonly unknown[], identity?: Identity): string {
  const hash = createHash('sha1');
  if (identity === undefined) hash.update(JSON.stringify(items));
  else for (const item of items) hash.update(identity(item)).update('\u0000');
  return hash.digest('base64');
}

export interface GuardOptions {
  /**
   * `strict`: the position must grow from the first page on (an id the list is ordered by).
   * `once-growing`: enforced only after it has grown once, for a field the vendor documents no
   * meaning for (NinjaOne cursor.offset, PMP's page echo): a server that keeps it constant is not
   * looping, one whose position grew and then stopped is.
   */
  position?: 'strict' | 'once-growing';
}

export function createPageGuard(source: string, endpoint: string, identity?: Identity, options: GuardOptions = {}): PageGuard {
  const positionRule = options.position ?? 'strict';
  let positionGrew = false;
  const digests = new Map<string, number>();
  const cursors = new Map<string, number>();
  let lastCursor: string | undefined;
  let lastPosition: { value: number; page: number } | undefined;
  const loop = (detail: string) => new PagingLoopError(source, endpoint, detail);
  const remember = <K>(map: Map<K, number>, key: K, page: number) => {
    if (map.size < MAX_REMEMBERED && !map.has(key)) map.set(key, page);
  };

  return {
    accept({ number, items, cursor, position }) {
      // An empty page carries nothing to double; it ends the stream wherever the paging rule says so.
      if (items.length > 0) {
        const digest = pageDigest(items, identity);
        const earlier = digests.get(digest);
        if (earlier !== undefined) throw loop(`page ${number} again (identical to page ${earlier})`);
        remember(digests, digest, number);
      }
      if (position !== undefined && Number.isFinite(position)) {
        const enforced = positionRule === 'strict' || positionGrew;
        if (lastPosition !== undefined && position > lastPosition.value) positionGrew = true;
        if (enforced && lastPosition !== undefined && position <= lastPosition.value) {
          throw loop(`page ${number} without advancing (position ${position} after ${lastPosition.value} on page ${lastPosition.page})`);
        }
        lastPosition = { value: position, page: number };
      }
      if (cursor !== undefined && cursor !== '') {
        // A cursor kept from page to page is a session (NinjaOne keeps one name per query); going
        // back to a name used for an earlier page is a loop.
        const earlier = cursors.get(cursor);
        if (cursor !== lastCursor && earlier !== undefined) {
          throw loop(`page ${number} with cursor ${cursor.slice(0, 80)} (seen before, with page ${earlier})`);
        }
        remember(cursors, cursor, number);
        lastCursor = cursor;
      }
    },
    earlierCopyOf(items) {
      return items.length === 0 ? undefined : digests.get(pageDigest(items, identity));
    },
  };
}
