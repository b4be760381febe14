import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { ApiClient, type SessionEndReason } from "../api/client";
import { ApiError } from "../api/errors";
import type { User } from "../api/types";
import { navigate } from "../router";
import { browserTokenStore, type TokenStore } from "./tokens";

export type SessionStatus = "loading" | "anonymous" | "authenticated" | "unreachable";
/** Why the login page is shown, so it can say so. */
export type LoginNotice = "session_ended" | "logged_out" | "account_deleted" | null;

interface Session {
  status: SessionStatus;
  user: User | null;
  api: ApiClient;
  notice: LoginNotice;
  login: (email: string, password: string) => Promise<void>;
  register: (email: string, password: string) => Promise<void>;
  logout: () => Promise<void>;
  logoutEverywhere: () => Promise<void>;
  deleteAccount: (password: string) => Promise<void>;
  setUser: (user: User) => void;
  reload: () => void;
}

const SessionContext = createContext<Session | null>(null);

function loginPath(): string {
  const here = window.location.pathname + window.location.search;
  const publicPage = ["/login", "/signup"].includes(window.location.pathname);
  return publicPage || here === "/" ? "/login" : `/login?next=${encodeURIComponent(here)}`;
}

export function SessionProvider({
  children,
  tokens,
  fetchImpl,
}: {
  children: ReactNode;
  tokens?: TokenStore;
  fetchImpl?: typeof fetch;
}) {
  const [status, setStatus] = useState<SessionStatus>("loading");
  const [user, setUserState] = useState<User | null>(null);
  const [notice, setNotice] = useState<LoginNotice>(null);
  const [attempt, setAttempt] = useState(0);
  const endedRef = useRef<(reason: SessionEndReason) => void>(() => undefined);

  const store = useMemo(() => tokens ?? browserTokenStore(), [tokens]);
  const api = useMemo(
    () =>
      new ApiClient({
        tokens: store,
        // Same origin by default; a static host elsewhere can point the build at the API's origin.
        baseUrl: import.meta.env.VITE_API_BASE_URL ?? "",
        ...(fetchImpl ? { fetch: fetchImpl } : {}),
        onSessionEnded: (reason) => endedRef.current(reason),
      }),
    [store, fetchImpl],
  );

  endedRef.current = (reason) => {
    setUserState(null);
    setStatus("anonymous");
    if (reason !== "logged_out") {
      setNotice("session_ended");
      navigate(loginPath(), { replace: true });
    }
  };

  useEffect(() => {
    let cancelled = false;
    setStatus("loading");
    // A page load has no access token in memory: the refresh cookie (HttpOnly) restores the session.
    const restored = api.hasSession() ? api.call("get", "/api/v1/me") : api.restoreSession();
    restored
      .then((me) => {
        if (cancelled) return;
        setUserState(me);
        setStatus(me ? "authenticated" : "anonymous");
      })
      .catch((error: unknown) => {
        if (cancelled) return;
        if (error instanceof ApiError && error.status === 401) return; // onSessionEnded already ran
        setStatus("unreachable");
      });
    return () => {
      cancelled = true;
    };
  }, [api, attempt]);

  // Another tab logged out (or in): follow it. A mere token rotation by another tab changes nothing here.
  const statusRef = useRef(status);
  statusRef.current = status;
  useEffect(
    () =>
      store.subscribe((signedIn) => {
        if (!signedIn && statusRef.current === "authenticated") {
          store.clear();
          setUserState(null);
          setStatus("anonymous");
          navigate("/login", { replace: true });
        } else if (signedIn && statusRef.current === "anonymous") {
          setAttempt((value) => value + 1);
        }
      }),
    [store],
  );

  const login = useCallback(
    async (email: string, password: string) => {
      const auth = await api.call("post", "/api/v1/auth/login", { auth: false, body: { email, password } });
      api.startSession(auth);
      setUserState(auth.user);
      setNotice(null);
      setStatus("authenticated");
    },
    [api],
  );

  const register = useCallback(
    async (email: string, password: string) => {
      const auth = await api.call("post", "/api/v1/auth/register", { auth: false, body: { email, password } });
      api.startSession(auth);
      setUserState(auth.user);
      setNotice(null);
      setStatus("authenticated");
    },
    [api],
  );

  const logout = useCallback(async () => {
    try {
      await api.call("post", "/api/v1/auth/logout");
    } catch {
      // Logging out locally matters most; the server-side session expires on its own.
    }
    api.endSession("logged_out");
    setNotice("logged_out");
    navigate("/login", { replace: true });
  }, [api]);

  const logoutEverywhere = useCallback(async () => {
    await api.call("post", "/api/v1/auth/logout-all");
    api.endSession("logged_out");
    setNotice("logged_out");
    navigate("/login", { replace: true });
  }, [api]);

  const deleteAccount = useCallback(async (password: string) => {
    await api.call("delete", "/api/v1/me", { body: { password } });
    api.endSession("logged_out");
    setNotice("account_deleted");
    navigate("/login", { replace: true });
  }, [api]);

  const value = useMemo<Session>(
    () => ({
      status,
      user,
      api,
      notice,
      login,
      register,
      logout,
      logoutEverywhere,
      deleteAccount,
      setUser: setUserState,
      reload: () => setAttempt((n) => n + 1),
    }),
    [status, user, api, notice, login, register, logout, logoutEverywhere, deleteAccount],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const context = useContext(SessionContext);
  if (!context) throw new Error("useSession outside SessionProvider");
  return context;
}

export function useApi(): ApiClient {
  return useSession().api;
}
