import type { ApiClient } from "./client";
import { ApiError, errorFromResponse, networkError } from "./errors";
import type { UploadAccepted } from "./types";

/** What the server accepts (it sniffs the content; these checks only spare a pointless upload). */
export const ACCEPTED_EXTENSIONS = [".pdf", ".png", ".jpg", ".jpeg", ".csv", ".json"] as const;
export const ACCEPTED_MEDIA_TYPES = [
  "application/pdf",
  "image/png",
  "image/jpeg",
  "text/csv",
  "application/json",
  "application/vnd.ms-excel", // what some systems call a .csv
] as const;
export const ACCEPT_ATTRIBUTE = [...ACCEPTED_EXTENSIONS, ...ACCEPTED_MEDIA_TYPES.slice(0, 5)].join(",");

export type FileProblem = "unsupported_type" | "too_large" | "empty_file";

/** `maxBytes` is the server's limit in force (GET /uploads/limits); null while unknown, when the server decides. */
export function checkFile(file: { name: string; type: string; size: number }, maxBytes: number | null): FileProblem | null {
  const name = file.name.toLowerCase();
  const extensionOk = ACCEPTED_EXTENSIONS.some((extension) => name.endsWith(extension));
  const typeOk = (ACCEPTED_MEDIA_TYPES as readonly string[]).includes(file.type);
  // A camera capture may come without a useful name; a file with a known extension but an odd
  // browser-reported type (common for CSV) is still worth sending: the server decides by content.
  if (!extensionOk && !typeOk) return "unsupported_type";
  if (file.size === 0) return "empty_file";
  if (maxBytes !== null && file.size > maxBytes) return "too_large";
  return null;
}

/** A fresh key for one file's upload; getRandomValues, unlike randomUUID, also works over plain http. */
export function newIdempotencyKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

export interface UploadHandle {
  promise: Promise<UploadAccepted>;
  abort: () => void;
}

/**
 * POST /api/v1/uploads through XMLHttpRequest, which (unlike fetch) reports upload progress.
 *
 * `idempotencyKey` names this file's upload: sending the same file again under the same key (say after
 * the connection dropped before the answer came) returns the job of the upload the server already kept,
 * instead of analysing the report twice.
 */
export function uploadFile(
  client: ApiClient,
  file: File,
  idempotencyKey: string,
  onProgress: (fraction: number) => void,
): UploadHandle {
  let xhr: XMLHttpRequest | null = null;
  let aborted = false;

  const send = (token: string) =>
    new Promise<UploadAccepted>((resolve, reject) => {
      const request = new XMLHttpRequest();
      xhr = request;
      request.open("POST", client.url("/api/v1/uploads"));
      request.setRequestHeader("Authorization", `Bearer ${token}`);
      request.setRequestHeader("Accept", "application/json");
      request.setRequestHeader("Idempotency-Key", idempotencyKey);
      request.upload.onprogress = (event) => {
        if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
      };
      request.onload = () => {
        if (request.status === 202 || request.status === 201 || request.status === 200) {
          onProgress(1);
          resolve(JSON.parse(request.responseText) as UploadAccepted);
        } else {
          reject(errorFromResponse(request.status, request.responseText, (name) => request.getResponseHeader(name)));
        }
      };
      request.onerror = () => reject(networkError());
      request.onabort = () => reject(new DOMException("Upload cancelled", "AbortError"));
      const form = new FormData();
      form.append("file", file, file.name || "capture.jpg");
      request.send(form);
    });

  const run = async (): Promise<UploadAccepted> => {
    const token = await client.accessToken();
    try {
      return await send(token);
    } catch (error) {
      if (aborted || !(error instanceof ApiError) || error.status !== 401) throw error;
      onProgress(0);
      return send(await client.recoverFrom401(error, token));
    }
  };

  return {
    promise: run(),
    abort: () => {
      aborted = true;
      (xhr as XMLHttpRequest | null)?.abort();
    },
  };
}
