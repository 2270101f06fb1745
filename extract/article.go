// Package extract turns a URL or a saved page into an Article: it fetches
// (timeouts, size cap, redirects, charset), runs readability, reads the
// page's metadata and computes the canonical URL and entry id.
package extract

// Article is the readable content of one page and its metadata.
type Article struct {
	URL           string `json:"url"`                      // the URL as requested (tracking parameters kept)
	FinalURL      string `json:"final_url"`                // after redirects
	CanonicalURL  string `json:"canonical_url"`            // FinalURL canonicalised (FORMAT.md): the id's source
	LinkCanonical string `json:"link_canonical,omitempty"` // the page's <link rel=canonical>, noted only
	ID            string `json:"id"`                       // MD5 hex of CanonicalURL
	Title         string `json:"title"`
	Byline        string `json:"byline"`
	Site          string `json:"site"`
	Published     string `json:"published"` // RFC 3339 when known, else ""
	Language      string `json:"language"`
	Text          string `json:"text"`  // plain text, paragraphs separated by a blank line
	Words         int    `json:"words"` // words in Text; each Chinese or Japanese character counts as one
}
