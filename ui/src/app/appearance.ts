// Light / Dark / System theme and density, switched instantly through CSS variables.
export type Theme = "light" | "dark" | "system";
export type Density = "compact" | "comfortable";
export type Appearance = { theme: Theme; density: Density };

const KEY = "showroom.appearance";

export function loadAppearance(): Appearance {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? "{}");
    return { theme: v.theme ?? "system", density: v.density ?? "compact" };
  } catch {
    return { theme: "system", density: "compact" };
  }
}

const media = window.matchMedia("(prefers-color-scheme: dark)");

export function applyAppearance(a: Appearance) {
  const dark = a.theme === "dark" || (a.theme === "system" && media.matches);
  document.documentElement.dataset.theme = dark ? "dark" : "light";
  document.documentElement.dataset.density = a.density;
  localStorage.setItem(KEY, JSON.stringify(a));
}

media.addEventListener("change", () => applyAppearance(loadAppearance()));
