/** Where the session's tokens live between page loads.
 *
 * Only the two tokens and the access token's expiry are stored (localStorage, so a reload or a second tab
 * keeps the session); no profile, lab value or result is ever written to browser storage. The refresh token
 * rotates on every use, so the newest one always replaces the old one here, and every tab reads it from
 * this single place. */
export interface StoredTokens {
  accessToken: string;
  refreshToken: string;
  /** Milliseconds since the epoch at which the access token stops being accepted. */
  accessExpiresAt: number;
}

export interface TokenStore {
  read(): StoredTokens | null;
  write(tokens: StoredTokens): void;
  clear(): void;
  /** Called when another tab changes or clears the tokens. Returns an unsubscribe function. */
  subscribe(listener: (tokens: StoredTokens | null) => void): () => void;
}

export const TOKENS_KEY = "verae.session";

function parse(raw: string | null): StoredTokens | null {
  if (!raw) return null;
  try {
    const value = JSON.parse(raw) as Partial<StoredTokens>;
    if (
      typeof value.accessToken === "string" &&
      typeof value.refreshToken === "string" &&
      typeof value.accessExpiresAt === "number"
    ) {
      return { accessToken: value.accessToken, refreshToken: value.refreshToken, accessExpiresAt: value.accessExpiresAt };
    }
  } catch {
    // Corrupt entry: treated as logged out.
  }
  return null;
}

export function browserTokenStore(storage: Storage = window.localStorage): TokenStore {
  return {
    read: () => parse(storage.getItem(TOKENS_KEY)),
    write: (tokens) => storage.setItem(TOKENS_KEY, JSON.stringify(tokens)),
    clear: () => storage.removeItem(TOKENS_KEY),
    subscribe(listener) {
      const onStorage = (event: StorageEvent) => {
        if (event.key === TOKENS_KEY || event.key === null) listener(parse(event.newValue));
      };
      window.addEventListener("storage", onStorage);
      return () => window.removeEventListener("storage", onStorage);
    },
  };
}

/** For tests: the same contract without touching browser storage. */
export function memoryTokenStore(initial: StoredTokens | null = null): TokenStore {
  let current = initial;
  return {
    read: () => current,
    write: (tokens) => {
      current = tokens;
    },
    clear: () => {
      current = null;
    },
    subscribe: () => () => undefined,
  };
}
