// A browser tab that cannot reach the host's data: opened without the token (a bookmark, a
// closed tab, another browser) or with one serve no longer takes (it restarted). One sentence
// says what is missing and how to get in; the desktop window never shows this (its bridge has
// no token to lose).
export function NoKey({ reason }: { reason: 'missing' | 'refused' }) {
  return (
    <div className="no-key" role="alert">
      <div className="no-key-card">
        <h1>Vigil needs the address with its key</h1>
        <p>
          {reason === 'missing' ? (
            <>
              This tab was opened without the key that <code>vigil serve</code> puts in its address (after <code>#token=</code>), so it cannot read anything.
            </>
          ) : (
            'Vigil no longer accepts the key this tab was opened with: it was restarted since, and each start makes a new key.'
          )}
        </p>
        <p>To get in, run this in a terminal; it opens Vigil in your browser, signed in:</p>
        <pre className="no-key-command">vigil open</pre>
        <p className="muted">
          Or run <code>vigil open --print</code> to print the address, or <code>vigil status</code> to see it with the rest.
        </p>
      </div>
    </div>
  );
}
