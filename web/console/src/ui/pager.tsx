// Paging through a cursor-paged API list: the stack of cursors seen so far, back and forth.
type Cursors = (string | undefined)[];

export function Pager(props: {
  cursors: Cursors;
  setCursors: (c: Cursors) => void;
  nextCursor: string | null | undefined;
  back?: string;
  forward?: string;
}) {
  const { cursors, setCursors, nextCursor } = props;
  return (
    <div className="pager">
      {cursors.length > 1 ? (
        <button type="button" className="btn" onClick={() => setCursors(cursors.slice(0, -1))}>
          {props.back ?? 'Previous'}
        </button>
      ) : null}
      {nextCursor ? (
        <button type="button" className="btn" onClick={() => setCursors([...cursors, nextCursor])}>
          {props.forward ?? 'Next'}
        </button>
      ) : null}
    </div>
  );
}
