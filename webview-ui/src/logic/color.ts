/** Colour arithmetic for canvas drawing, where CSS colour functions are not available everywhere. */

/** `#rgb`, `#rrggbb`, `#rrggbbaa` or `rgb()/rgba()` with its alpha multiplied by `alpha`; other forms unchanged. */
export function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{3,8})$/i.exec(color.trim())?.[1];
  if (hex && (hex.length === 3 || hex.length === 6 || hex.length === 8)) {
    const full = hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex;
    const channel = (i: number): number => parseInt(full.slice(i, i + 2), 16);
    const base = full.length === 8 ? channel(6) / 255 : 1;
    return `rgba(${channel(0)}, ${channel(2)}, ${channel(4)}, ${+(base * alpha).toFixed(3)})`;
  }
  const rgb = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+))?\s*\)$/i.exec(color.trim());
  if (rgb) return `rgba(${rgb[1]}, ${rgb[2]}, ${rgb[3]}, ${+((rgb[4] === undefined ? 1 : Number(rgb[4])) * alpha).toFixed(3)})`;
  return color;
}

/**
 * The colour without transparency, for lines and markers. Some theme colours are translucent
 * highlights: in the Modern themes `--vscode-charts-orange` is #EA5C0055, a muddy brown as a line.
 */
export function opaque(color: string): string {
  const hex = /^#([0-9a-f]{3,8})$/i.exec(color.trim())?.[1];
  if (hex && (hex.length === 4 || hex.length === 8)) return `#${hex.slice(0, hex.length === 4 ? 3 : 6)}`;
  const rgb = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+[\d.]+%?)?\s*\)$/i.exec(color.trim());
  if (rgb) return `rgb(${rgb[1]}, ${rgb[2]}, ${rgb[3]})`;
  return color;
}
