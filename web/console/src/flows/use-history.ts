// Undo and redo for the editor: each change of the draft is kept (at most 100); changes with
// the same merge key within a moment of each other (typing into one field) count as one.
import { useCallback, useRef, useState } from 'react';

const LIMIT = 100;
const MERGE_MS = 800;

export function useHistory<T>(initial: () => T) {
  const [present, setPresent] = useState(initial);
  const current = useRef(present);
  const past = useRef<T[]>([]);
  const future = useRef<T[]>([]);
  const last = useRef({ at: 0, key: '' });

  const show = useCallback((value: T) => {
    current.current = value;
    setPresent(value);
  }, []);

  const change = useCallback(
    (next: T, mergeKey?: string) => {
      if (next === current.current) return;
      const now = Date.now();
      const merge = !!mergeKey && mergeKey === last.current.key && now - last.current.at < MERGE_MS;
      if (!merge || past.current.length === 0)
        past.current = [...past.current.slice(-(LIMIT - 1)), current.current];
      last.current = { at: now, key: mergeKey ?? '' };
      future.current = [];
      show(next);
    },
    [show],
  );

  const undo = useCallback(() => {
    const prev = past.current.at(-1);
    if (prev === undefined) return;
    past.current = past.current.slice(0, -1);
    future.current = [current.current, ...future.current];
    last.current = { at: 0, key: '' };
    show(prev);
  }, [show]);

  const redo = useCallback(() => {
    const [next, ...rest] = future.current;
    if (next === undefined) return;
    future.current = rest;
    past.current = [...past.current, current.current];
    last.current = { at: 0, key: '' };
    show(next);
  }, [show]);

  return {
    present,
    change,
    undo,
    redo,
    canUndo: past.current.length > 0,
    canRedo: future.current.length > 0,
  };
}
