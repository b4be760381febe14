/** Where the session's access token lives: in memory only.
 *
 * The refresh token never reaches JavaScript: the server keeps it in an HttpOnly, Secure, SameSite=Strict
 * cookie scoped to /api/v1/auth, and a page load restores the session by refreshing through that cookie.
 * Nothing of the session, no profile, lab value or result is written to browser storage. Tabs tell each
 * other only that they logged in or out (a BroadcastChannel carries no token). */
export interface StoredTokens {
  accessToken: string;
  /** Milliseconds since the epoch at which the access token stops being accepted. */
  accessExpiresAt: number;
}

export interface TokenStore {
  read(): StoredTokens | null;
  write(tokens: StoredTokens): void;
  clear(): void;
  /** Called when another tab logs in (true) or out (false). Returns an unsubscribe function. */
  subscribe(listener: (signedIn: boolean) => void): () => void;
}

export const SESSION_CHANNEL = "verae.session";

export function browserTokenStore(): TokenStore {
  let current: StoredTokens | null = null;
  const channel = typeof BroadcastChannel !== "undefined" ? new BroadcastChannel(SESSION_CHANNEL) : null;
  return {
    read: () => current,
    write: (tokens) => {
      const wasSignedIn = current !== null;
      current = tokens;
      if (!wasSignedIn) channel?.postMessage("signed-in");
    },
    clear: () => {
      const wasSignedIn = current !== null;
      current = null;
      if (wasSignedIn) channel?.postMessage("signed-out");
    },
    subscribe(listener) {
      if (!channel) return () => undefined;
      const onMessage = (event: MessageEvent) => {
        if (event.data === "signed-in" || event.data === "signed-out") listener(event.data === "signed-in");
      };
      channel.addEventListener("message", onMessage);
      return () => channel.removeEventListener("message", onMessage);
    },
  };
}

/** For tests: the same contract without any channel. */
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
