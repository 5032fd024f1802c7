// Starts GraphiQL on this service's endpoint, sending the session's cookies as a page would.
(function () {
  const url = new URL('/graphql', window.location.origin).toString();
  const fetcher = GraphiQL.createFetcher({
    url,
    fetch: (input, options = {}) => fetch(input, { ...options, credentials: 'same-origin' }),
  });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, { fetcher, defaultEditorToolsVisibility: true }),
  );
})();
