// Console sessions end when their token or account changes, whichever instance changed it. This
// instance's own changes reach them with the outbox's delivery (server.ts); other instances' come
// from the invalidation log, which the verify cache's follower (auth/invalidations.ts) reads: this
// log also shows the console every page the follower reads. Pages overlap (the follower re-reads a
// window), which ends nothing twice: an event ends only sessions signed in before it.
import type { Db } from "mongodb";
import type { InvalidationDoc } from "../../store/documents.ts";
import { InvalidationRepository } from "../../store/invalidation-repository.ts";

export class InvalidationFeed extends InvalidationRepository {
  constructor(
    db: Db,
    private readonly onRead: (events: readonly InvalidationDoc[]) => void,
  ) {
    super(db);
  }

  override async page(...args: Parameters<InvalidationRepository["page"]>): Promise<InvalidationDoc[]> {
    const events = await super.page(...args);
    this.onRead(events);
    return events;
  }
}
