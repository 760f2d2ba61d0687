import type { Db } from '../../db/store.ts';
import type { Clock } from '../../domain/clock.ts';
import { liveTokenIds, onCredentialsChanged } from '../auth/service.ts';

/** Open streams one member may hold; opening another closes their oldest. */
export const maxStreamsPerMember = 10;

interface Stream {
  siteId: string;
  memberId: string;
  tokenId: string;
  /** Ends the stream, telling the client why. */
  end(reason: 'credentials-ended' | 'too-many-streams'): void;
}

/**
 * Keeps live notification streams honest: a stream lives only as long as the session or token it
 * was opened with. Their tokens are checked together every `everyMs` (the auth cache time, so a
 * revocation by another server process ends them as soon as it would end a request) and at once
 * after a revocation in this process. A member's streams are capped; the oldest is closed first.
 */
export class StreamGuard {
  private readonly streams = new Set<Stream>();
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private again = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly everyMs: number,
  ) {
    this.unsubscribe = onCredentialsChanged(() => this.checkSoon());
  }

  /** Registers an open stream; answers its removal (call it when the stream closes). */
  add(stream: Stream): () => void {
    const mine = [...this.streams].filter(
      (s) => s.siteId === stream.siteId && s.memberId === stream.memberId,
    );
    // Sets keep insertion order: the first are the oldest.
    for (const old of mine.slice(0, Math.max(0, mine.length - maxStreamsPerMember + 1))) {
      this.streams.delete(old);
      old.end('too-many-streams');
    }
    this.streams.add(stream);
    if (!this.timer) {
      this.timer = setInterval(() => this.checkSoon(), Math.max(this.everyMs, 100));
      this.timer.unref();
    }
    return () => {
      this.streams.delete(stream);
      if (this.streams.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  /** Runs a check now, or once more after the one in progress. */
  checkSoon(): void {
    if (this.streams.size === 0) return;
    if (this.checking) {
      this.again = true;
      return;
    }
    this.checking = (async () => {
      do {
        this.again = false;
        await this.check().catch(() => {
          // The store is closing or briefly unavailable; the next check tries again.
        });
      } while (this.again);
      this.checking = undefined;
    })();
  }

  /** Ends every stream whose token is revoked or expired. */
  async check(): Promise<void> {
    const open = [...this.streams];
    if (open.length === 0) return;
    const live = await liveTokenIds(this.db, [...new Set(open.map((s) => s.tokenId))], this.clock.now());
    for (const s of open) if (!live.has(s.tokenId) && this.streams.delete(s)) s.end('credentials-ended');
  }

  close(): void {
    this.unsubscribe();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.streams.clear();
  }
}
