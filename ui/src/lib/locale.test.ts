import { afterEach, describe, expect, it } from "vitest";
import { locale, setLocale, spell } from "./locale";

describe("locale", () => {
  afterEach(() => setLocale("en-US", []));

  it("respells built-in labels with the core's list, whole words only, keeping case", () => {
    setLocale("en-US", [["colour", "color"], ["licence", "license"], ["cancelled", "canceled"]]);
    expect(spell("Colour")).toBe("Color");
    expect(spell("Driver's licence number")).toBe("Driver's license number");
    expect(spell("CANCELLED")).toBe("CANCELED");
    expect(spell("Colourful")).toBe("Colourful");
    expect(locale()).toBe("en-US");
  });

  it("leaves a Commonwealth dealership's labels alone", () => {
    setLocale("en-CA", []);
    expect(spell("Colour")).toBe("Colour");
    expect(locale()).toBe("en-CA");
    expect((1234567).toLocaleString(locale())).toBe("1,234,567");
  });
});
