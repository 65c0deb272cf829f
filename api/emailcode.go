package api

// SendCode emails a one-time code to the calling contact's address on file (an agent's or a
// supervisor's; never the portal's). Declared apart from the other routes so the feature stays in
// its own file; it is listed in Routes like every route.
const SendCode Route = "POST /v1/accounts/{account}/contacts/{contact}/code"
