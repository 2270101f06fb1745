package extract

import (
	"strings"

	"golang.org/x/net/html"
)

// fillGaps puts back into readability's article the quotations it dropped
// from between two paragraphs it kept: embedded posts (a tweet is a
// blockquote of a paragraph and a signature line of links) are link-dense,
// so readability's scoring takes them for boilerplate, yet they are part
// of the story. doc is the page as parsed, which readability left as it
// was; only short gaps are filled, so nothing comes back from outside the
// article's run of paragraphs.
func fillGaps(doc, article *html.Node) {
	quotes := findAll(doc, "blockquote", nil)
	if len(quotes) == 0 {
		return
	}
	outLeaves := leafBlocks(article, nil)
	if len(outLeaves) < 2 {
		return
	}
	outByKey := make(map[string]*html.Node, len(outLeaves))
	for _, l := range outLeaves {
		if _, ok := outByKey[l.key]; !ok {
			outByKey[l.key] = l.n
		}
	}
	// All the article's text, to tell a quotation it has already, maybe
	// split over blocks or partly outside any leaf.
	kept := textKey(nodeText(article))
	missing := false
	for _, q := range quotes {
		if k := textKey(nodeText(q)); k != "" && !strings.Contains(kept, k) {
			missing = true
			break
		}
	}
	if !missing {
		return
	}
	page := leafBlocks(doc, nil)
	prev := -1
	for i, l := range page {
		if _, ok := outByKey[l.key]; !ok {
			continue
		}
		if prev >= 0 && i-prev > 1 && i-prev-1 <= maxGap {
			at := outByKey[page[prev].key]
			for _, u := range between(page[prev].n, l.n) {
				if u.Type != html.ElementNode || skipTags[u.Data] || hidden(u) || len(findAll(u, "blockquote", nil)) == 0 {
					continue
				}
				if k := textKey(nodeText(u)); len(k) < minQuoteKey || strings.Contains(kept, k) {
					continue
				}
				c := cloneNode(u)
				at.Parent.InsertBefore(c, at.NextSibling)
				at = c
			}
		}
		prev = i
	}
}

// A gap is at most maxGap blocks of the page; a quotation shorter than
// minQuoteKey letters and digits is no post worth putting back.
const (
	maxGap      = 3
	minQuoteKey = 20
)

// blockTags are the elements that start a block of text.
var blockTags = map[string]bool{
	"p": true, "div": true, "li": true, "ul": true, "ol": true, "dl": true, "dt": true, "dd": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "blockquote": true, "pre": true,
	"table": true, "tr": true, "td": true, "th": true, "figure": true, "figcaption": true, "section": true,
	"article": true, "header": true, "footer": true, "aside": true, "nav": true, "main": true, "form": true,
	"address": true, "center": true, "details": true, "summary": true,
}

// skipTags hold no article text, or only the page's furniture.
var skipTags = map[string]bool{
	"head": true, "script": true, "style": true, "noscript": true, "template": true, "iframe": true,
	"svg": true, "canvas": true, "button": true, "select": true, "textarea": true, "input": true,
	"nav": true, "aside": true, "header": true, "footer": true, "form": true,
}

// leaf is a block holding text and no other block, with its textKey.
type leaf struct {
	n   *html.Node
	key string
}

// leafBlocks appends the leaf blocks under n to out, in document order.
func leafBlocks(n *html.Node, out []leaf) []leaf {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode || skipTags[c.Data] || hidden(c) {
			continue
		}
		before := len(out)
		out = leafBlocks(c, out)
		if len(out) == before && blockTags[c.Data] {
			if k := textKey(nodeText(c)); k != "" {
				out = append(out, leaf{c, k})
			}
		}
	}
	return out
}

// between returns the nodes strictly between a and b (a before b in
// document order) as whole subtrees, in order.
func between(a, b *html.Node) []*html.Node {
	onPathToB := map[*html.Node]bool{}
	for p := b; p != nil; p = p.Parent {
		onPathToB[p] = true
	}
	var out []*html.Node
	for n := a; n != nil && !onPathToB[n]; n = n.Parent {
		for s := n.NextSibling; s != nil; s = s.NextSibling {
			if !onPathToB[s] {
				out = append(out, s)
				continue
			}
			// s holds b: take what comes before b inside it.
			for t := s; t != b; {
				var next *html.Node
				for c := t.FirstChild; c != nil; c = c.NextSibling {
					if onPathToB[c] {
						next = c
						break
					}
					out = append(out, c)
				}
				t = next
			}
			return out
		}
	}
	return out
}

// hidden tells an element the page does not show.
func hidden(n *html.Node) bool {
	if hasAttr(n, "hidden") || attr(n, "aria-hidden") == "true" {
		return true
	}
	st := strings.ToLower(attr(n, "style"))
	if st == "" {
		return false
	}
	st = strings.ReplaceAll(st, " ", "")
	return strings.Contains(st, "display:none") || strings.Contains(st, "visibility:hidden")
}

// findAll appends the outermost elements named tag under n (n included).
func findAll(n *html.Node, tag string, out []*html.Node) []*html.Node {
	if n.Type == html.ElementNode && n.Data == tag {
		return append(out, n)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		out = findAll(c, tag, out)
	}
	return out
}

func cloneNode(n *html.Node) *html.Node {
	c := &html.Node{Type: n.Type, DataAtom: n.DataAtom, Data: n.Data, Namespace: n.Namespace,
		Attr: append([]html.Attribute(nil), n.Attr...)}
	for k := n.FirstChild; k != nil; k = k.NextSibling {
		c.AppendChild(cloneNode(k))
	}
	return c
}
