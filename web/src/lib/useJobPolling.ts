import { useCallback, useEffect, useRef, useState } from "react";
import type { ApiClient } from "../api/client";
import { ApiError } from "../api/errors";
import type { Job } from "../api/types";

export interface PollingOptions {
  /** First delay between polls; it grows by `factor` while nothing changes, up to `maxDelayMs`. */
  initialDelayMs?: number;
  factor?: number;
  maxDelayMs?: number;
  /** Ceiling for the delay while the server cannot be reached. */
  offlineMaxDelayMs?: number;
}

export const DEFAULT_POLLING: Required<PollingOptions> = {
  initialDelayMs: 500,
  factor: 1.6,
  maxDelayMs: 5_000,
  offlineMaxDelayMs: 15_000,
};

const TERMINAL = new Set<Job["status"]>(["done", "failed", "needs_input"]);

export function isTerminal(job: Job): boolean {
  return TERMINAL.has(job.status);
}

export interface JobPolling {
  job: Job | null;
  /** A failure that polling cannot recover from (not found, session ended). */
  error: unknown;
  /** The last poll could not reach the server; polling goes on. */
  reconnecting: boolean;
  /** Start polling again (after the job was requeued by new inputs or a review). */
  restart: (job?: Job) => void;
}

/** Follow a job until it reaches done / failed / needs_input. Polls with exponential backoff that resets
 * whenever the status or stage changes, keeps going (slower) through network loss, pauses while the tab is
 * hidden, and polls at once when the browser comes back online or the tab becomes visible again. */
export function useJobPolling(api: ApiClient, jobId: string, options: PollingOptions = {}): JobPolling {
  const settings = { ...DEFAULT_POLLING, ...options };
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [reconnecting, setReconnecting] = useState(false);
  const [generation, setGeneration] = useState(0);
  const settingsRef = useRef(settings);
  settingsRef.current = settings;

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let delay = settingsRef.current.initialDelayMs;
    let lastSignature = "";
    const controller = new AbortController();

    const schedule = (ms: number) => {
      clearTimeout(timer);
      // A hidden tab does not poll; becoming visible again polls at once (see onVisible).
      if (!stopped && document.visibilityState !== "hidden") timer = setTimeout(poll, ms);
    };

    const poll = async () => {
      const { initialDelayMs, factor, maxDelayMs, offlineMaxDelayMs } = settingsRef.current;
      try {
        const current = await api.call("get", "/api/v1/jobs/{job_id}", {
          path: { job_id: jobId },
          signal: controller.signal,
        });
        if (stopped) return;
        setReconnecting(false);
        setJob(current);
        if (isTerminal(current)) {
          stopped = true;
          return;
        }
        const signature = `${current.status}/${current.progress_stage ?? ""}/${current.attempts}`;
        delay = signature === lastSignature ? Math.min(delay * factor, maxDelayMs) : initialDelayMs;
        lastSignature = signature;
        schedule(delay);
      } catch (caught) {
        if (stopped || controller.signal.aborted) return;
        if (caught instanceof ApiError && (caught.isNetworkError || caught.status >= 500 || caught.status === 429)) {
          setReconnecting(true);
          delay = Math.min(Math.max(delay, initialDelayMs) * factor, offlineMaxDelayMs);
          schedule(delay);
          return;
        }
        stopped = true;
        setError(caught);
      }
    };

    const pollNow = () => {
      if (stopped) return;
      delay = settingsRef.current.initialDelayMs;
      schedule(0);
    };
    const onVisible = () => {
      if (document.visibilityState === "visible") pollNow();
    };

    setError(null);
    void poll();
    window.addEventListener("online", pollNow);
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      stopped = true;
      clearTimeout(timer);
      controller.abort();
      window.removeEventListener("online", pollNow);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [api, jobId, generation]);

  const restart = useCallback((next?: Job) => {
    if (next) setJob(next);
    setGeneration((n) => n + 1);
  }, []);

  return { job, error, reconnecting, restart };
}
