/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Origin of the API when the app is served from elsewhere, e.g. https://api.example.org (default: same origin). */
  readonly VITE_API_BASE_URL?: string;
}
