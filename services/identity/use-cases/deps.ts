import type { Authenticator } from "../auth/authenticator.ts";
import type { Store } from "../store/store.ts";

/** What every handler may use. */
export interface Deps {
  store: Store;
  authenticator: Authenticator;
  tokenPrefix: string;
}
