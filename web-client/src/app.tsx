import type { ReactNode } from 'react';
import type { WebConfig } from './config';
import { OwnerApp } from './owner/owner-app';
import { NotFound } from './ui/not-found';

/**
 * A tiny router by pathname. The owner app lives at `/`; the dispatcher console and the citizen
 * page (`/c/`, token in the fragment) get their own entries here when they come.
 */
const pages: { path: RegExp; render: (config: WebConfig) => ReactNode }[] = [
  { path: /^\/(index\.html)?$/, render: (config) => <OwnerApp config={config} /> },
];

export function App({ config, pathname }: { config: WebConfig; pathname: string }) {
  const page = pages.find((p) => p.path.test(pathname));
  return page ? page.render(config) : <NotFound />;
}
