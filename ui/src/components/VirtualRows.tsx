// Long lists draw only what is in view (plus a screenful either side), so WebKit's memory stays
// flat however many rows or cards a list holds: a table gets a spacer row above and below the
// drawn rows (the scrollbar keeps its true length), a board column positions its cards in one
// tall box. Built on @tanstack/react-virtual; rows and cards are measured as they draw, so a
// card with an extra line or the comfortable density still lands in the right place.
import { useVirtualizer, type Virtualizer } from "@tanstack/react-virtual";
import type { ReactNode, RefObject } from "react";

/** The `--row-height` token (40 px, 48 px in the comfortable density) plus the row's border. */
export function rowHeight(): number {
  const css = typeof document === "undefined" ? "" : getComputedStyle(document.documentElement).getPropertyValue("--row-height");
  return (parseFloat(css) || 40) + 1;
}

/** A virtualizer over `count` items scrolling inside `scrollRef`. */
export function useVirtualList(count: number, scrollRef: RefObject<HTMLElement | null>, estimate: number, overscan = 12): Virtualizer<HTMLElement, Element> {
  return useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => estimate,
    overscan,
    // Under WebDriver and before the first layout the scroll box has no size yet: draw a first screenful.
    initialRect: { width: 1280, height: 800 },
  });
}

/** The body of a virtual table: spacer, the rows in view (each from `row`), spacer. */
export function VirtualRows<T>({ items, list, columns, row }: {
  items: T[];
  list: Virtualizer<HTMLElement, Element>;
  columns: number;
  /** Draws one row; put `measure` on the `<tr ref>` and `data-index={index}` on it so its real height counts. */
  row: (item: T, index: number, measure: (el: Element | null) => void) => ReactNode;
}) {
  const drawn = list.getVirtualItems();
  const before = drawn.length ? drawn[0].start : 0;
  const after = drawn.length ? list.getTotalSize() - drawn[drawn.length - 1].end : 0;
  return (
    <>
      {before > 0 && <tr className="spacer" aria-hidden="true" style={{ height: before }}><td colSpan={columns} /></tr>}
      {drawn.map((v) => (items[v.index] === undefined ? null : row(items[v.index], v.index, list.measureElement)))}
      {after > 0 && <tr className="spacer" aria-hidden="true" style={{ height: after }}><td colSpan={columns} /></tr>}
    </>
  );
}
