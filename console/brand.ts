/** A tenant's brand on the page (kept apart from format.ts, which needs no DOM and is unit-tested in Node). */

/** Relative luminance of a #rgb / #rrggbb colour (WCAG 2), to pick readable text on it. */
function luminance(hex: string): number {
  const h = hex.length === 4 ? hex.slice(1).split('').map((c) => c + c).join('') : hex.slice(1, 7);
  const [r, g, b] = [0, 2, 4].map((i) => {
    const c = parseInt(h.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/**
 * The CSS custom properties of a tenant's brand, set from JS (the CSP allows no inline style),
 * with a text colour on each that keeps WCAG contrast whatever colours the tenant chose.
 */
export function applyBrand(colors: { primary: string; accent: string }, locale: string): void {
  const safe = (c: string, fallback: string) => (/^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(c) ? c : fallback);
  const root = document.documentElement.style;
  for (const [name, value, fallback] of [['brand', colors.primary, '#1f4e79'], ['accent', colors.accent, '#f2a900']] as const) {
    const colour = safe(value, fallback);
    root.setProperty(`--${name}`, colour);
    root.setProperty(`--on-${name}`, luminance(colour) > 0.179 ? '#111111' : '#ffffff');
  }
  document.documentElement.lang = locale;
}
