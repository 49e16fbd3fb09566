import { useEffect, useState } from 'preact/hooks';

/**
 * Hash routing (#/deals/deal_…): the server answers every /console path with the same page, and
 * a screen's address can be bookmarked or shared without the server knowing the screens.
 */
export function currentRoute(): string {
  return window.location.hash.replace(/^#/, '') || '/';
}

export function useRoute(): string {
  const [route, setRoute] = useState(currentRoute());
  useEffect(() => {
    const onChange = () => setRoute(currentRoute());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export function go(route: string): void {
  window.location.hash = route;
}

/** Matches "/deals/:id" against a route; the params, or undefined. */
export function match(pattern: string, route: string): Record<string, string> | undefined {
  const p = pattern.split('/');
  const r = route.split('?')[0].split('/');
  if (p.length !== r.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) params[p[i].slice(1)] = decodeURIComponent(r[i]);
    else if (p[i] !== r[i]) return undefined;
  }
  return params;
}
