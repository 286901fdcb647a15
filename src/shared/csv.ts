/**
 * The one CSV quoter of every export (history, report): RFC 4180 quoting, and text that starts
 * like a formula (= + - @, a tab or a carriage return) gets a leading apostrophe, so a spreadsheet
 * shows what a server or a settings file wrote instead of running it. Numbers go in as they are.
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
