// A modal dialog (or the slide-out, with `side`): the native <dialog>, so focus stays inside,
// Escape closes it, and the page behind is inert.
import { useEffect, useRef, type ReactNode } from "react";
import { ErrorNote } from "./errors.tsx";

export function Dialog({ title, onClose, side, children }: { title: string; onClose(): void; side?: boolean; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current!;
    dialog.showModal();
    return () => dialog.close();
  }, []);
  const titleId = `dialog-${title.replace(/\W+/g, "-").toLowerCase()}`;
  return (
    <dialog ref={ref} className={side ? "slide-out" : "modal"} aria-labelledby={titleId} onCancel={(e) => (e.preventDefault(), onClose())}>
      <div className="dialog-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="link" onClick={onClose}>
          Close
        </button>
      </div>
      {children}
    </dialog>
  );
}

export interface FormFootProps {
  /** The last refusal, shown above the buttons. */
  error: unknown;
  /** The submit button's text. */
  submit: string;
  /** "danger" for what cannot be undone. */
  kind?: "primary" | "danger";
  disabled?: boolean;
  onCancel(): void;
}

/** The foot of a form: the server's refusal, if any, then its submit button and Cancel. */
export function FormFoot({ error, submit, kind = "primary", disabled, onCancel }: FormFootProps) {
  return (
    <>
      <ErrorNote error={error} />
      <div className="actions">
        <button type="submit" className={kind} disabled={disabled}>
          {submit}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </>
  );
}
