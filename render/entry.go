// Package render turns an Entry into the digest's markdown format and parses
// that format back, byte for byte (see FORMAT.md).
package render

// Entry is one digest entry: everything its markdown file holds.
type Entry struct {
	Title     string    `json:"title"`
	IssueDate string    `json:"issue_date"` // YYYYMMDD of the newsletter issue
	IssueURL  string    `json:"issue_url"`
	URL       string    `json:"url"` // the article link as given (tracking parameters kept)
	Summary   string    `json:"summary"`
	Keywords  []string  `json:"keywords"`
	Themes    []string  `json:"themes"`
	Signals   []Signal  `json:"signals"`
	Closest   []Related `json:"closest"`
}

// Signal is one row of the Signals table. Evidence is a verbatim quote from
// the article that supports the row; it lives in the sidecar, never in the
// markdown.
type Signal struct {
	Signal   string `json:"signal"`
	Change   string `json:"change"`
	Horizon  string `json:"horizon"`
	Force    string `json:"force"`
	Evidence string `json:"evidence,omitempty"`
}

// Related is one line of the Closest list.
type Related struct {
	Title string `json:"title"`
	ID    string `json:"id"`
}
