import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { SessionProvider } from "../auth/session";
import { memoryTokenStore, type StoredTokens, type TokenStore } from "../auth/tokens";
import { I18nProvider, type Lang } from "../i18n/i18n";
import { VALID_TOKENS } from "./fixtures";

export function renderWithApp(
  ui: ReactElement,
  options: { fetch: typeof fetch; lang?: Lang; tokens?: StoredTokens | null; store?: TokenStore },
) {
  const store = options.store ?? memoryTokenStore(options.tokens === undefined ? VALID_TOKENS : options.tokens);
  const result = render(
    <I18nProvider lang={options.lang ?? "en"}>
      <SessionProvider tokens={store} fetchImpl={options.fetch}>
        {ui}
      </SessionProvider>
    </I18nProvider>,
  );
  return { ...result, store };
}
