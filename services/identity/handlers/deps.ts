import type { Authenticator } from "../authenticator.ts";
import type { Store } from "../store/store.ts";

/** What every handler may use. */
export interface Deps {
  store: Store;
  authenticator: Authenticator;
  tokenPrefix: string;
}
