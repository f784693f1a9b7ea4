import type { Authenticator } from "../authenticator.ts";
import type { Invalidations } from "../invalidations.ts";
import type { Store } from "../store/store.ts";

/** What every handler may use. */
export interface Deps {
  store: Store;
  authenticator: Authenticator;
  tokenPrefix: string;
  /** Changes that affect verification must be published here before the call returns. */
  invalidations: Invalidations;
}
