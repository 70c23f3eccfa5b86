// Keyboard focus stack: page < panel < dialog. Only the top layer hears keys, so Esc in the
// command menu closes the menu and not the customer panel beneath it.
import { useEffect, useRef } from "react";

type Handler = (e: KeyboardEvent) => boolean | void;
const stack: { id: number; handler: { current: Handler } }[] = [];
let nextId = 1;

window.addEventListener("keydown", (e) => {
  for (let i = stack.length - 1; i >= 0; i--) {
    // A handler returns true when it handled the key; false lets it fall to the layer below.
    const handled = stack[i].handler.current(e);
    if (handled !== false) return;
  }
});

/** Registers `handler` as a key layer while `active`; later layers sit on top. */
export function useKeyLayer(handler: Handler, active = true) {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    if (!active) return;
    const id = nextId++;
    stack.push({ id, handler: ref });
    return () => {
      const i = stack.findIndex((l) => l.id === id);
      if (i >= 0) stack.splice(i, 1);
    };
  }, [active]);
}

/** True when the key went to a text field, where plain letters are typing, not shortcuts. */
export function isTyping(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  return !!t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
}
