// Package e2e holds the end-to-end tests of digest: they build the real
// binary once and drive it as a user would, in temporary workspaces, against
// an httptest page server and a fake OpenAI-compatible server. They cover
// model server faults, bad pages, crash safety under SIGKILL and secrets.
// The README's Reliability section says what is tested and with what numbers.
package e2e
