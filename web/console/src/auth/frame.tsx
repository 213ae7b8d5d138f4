// The frame of the signed-out pages: the product name and one card in the middle.
import { type ReactNode, useEffect, useRef } from 'react';

export function AuthFrame({
  title,
  intro,
  children,
}: {
  title: string;
  intro?: ReactNode;
  children: ReactNode;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Switchboard`;
    heading.current?.focus({ preventScroll: true });
  }, [title]);
  return (
    <main className="auth">
      <p className="brand" aria-hidden="true">
        Switchboard
      </p>
      <section className="card auth-card" aria-labelledby="auth-title">
        <h1 id="auth-title" ref={heading} tabIndex={-1}>
          {title}
        </h1>
        {intro ? <p className="intro">{intro}</p> : null}
        {children}
      </section>
    </main>
  );
}
