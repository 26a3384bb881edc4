// A small menu that opens under its button: closes on a click outside, on Escape and on a choice.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

export function Dropdown(props: {
  label: ComponentChildren;
  title: string;
  class?: string;
  'data-testid'?: string;
  align?: 'left' | 'right';
  /** Rendered only while open (so it can load what it lists). */
  children: (close: () => void) => ComponentChildren;
}) {
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const outside = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    const key = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    document.addEventListener('mousedown', outside);
    document.addEventListener('keydown', key);
    return () => {
      document.removeEventListener('mousedown', outside);
      document.removeEventListener('keydown', key);
    };
  }, [open]);
  return (
    <div class="dropdown" ref={box}>
      <button type="button" class={props.class ?? 'btn btn-sm'} title={props.title} aria-label={props.title} aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen(!open)} data-testid={props['data-testid']}>
        {props.label}
      </button>
      {open ? (
        <div class={`dropdown-menu${props.align === 'right' ? ' align-right' : ''}`} role="menu">
          {props.children(() => setOpen(false))}
        </div>
      ) : null}
    </div>
  );
}
