export function NotFound() {
  return (
    <main className="page stack" data-testid="not-found">
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <a href="/">Go to your devices</a>.
      </p>
    </main>
  );
}
