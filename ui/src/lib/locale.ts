// The dealership's locale, from every AppStatus: the BCP 47 tag every date and number format
// uses, and the spelling of built-in labels. Labels are written once (Commonwealth spelling, like
// the core's text); `spell` turns them American for a US dealership with the core's own word list.
// Text a user typed is never passed through `spell`.
let tag = "en-US";
let words = new Map<string, string>();

/** Adopts the core's locale and its word list (empty when nothing is respelt). */
export function setLocale(localeTag: string, respell: [string, string][]): void {
  tag = localeTag || "en-US";
  words = new Map(respell.map(([from, to]) => [from.toLowerCase(), to]));
}

/** The tag for `Intl` and `toLocale…String`. */
export function locale(): string {
  return tag;
}

/** A built-in label in the dealership's spelling (whole words; the first letter's case kept). */
export function spell(text: string): string {
  if (words.size === 0 || !text) return text;
  return text.replace(/\p{L}+/gu, (w) => {
    const to = words.get(w.toLowerCase());
    if (!to) return w;
    if (w.length > 1 && w === w.toUpperCase()) return to.toUpperCase();
    return w[0] === w[0].toUpperCase() ? to[0].toUpperCase() + to.slice(1) : to;
  });
}
