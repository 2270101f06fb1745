package render

import (
	"fmt"
	"strings"
	"testing"
)

const seedID = "3b96c74f728c6281fc7f1a045a5befc7"

func problemLines(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintln(&b, p)
	}
	return b.String()
}

// The seed's defects, and nothing else: its Closest list repeats the entry's
// own id six times.
func TestCheckSeed(t *testing.T) {
	seed := readSeed(t)
	rep := "repeats id " + seedID + " (first on line 42)"
	hint := "; it has this entry's title: probably the entry itself"
	self := "lists the entry itself (id " + seedID + ")"
	tests := []struct {
		self string
		want []Problem
	}{
		{"", []Problem{{43, rep + hint}, {44, rep + hint}, {45, rep + hint}, {47, rep + hint}, {49, rep + hint}}},
		{seedID, []Problem{{42, self}, {43, rep}, {43, self}, {44, rep}, {44, self}, {45, rep}, {45, self}, {47, rep}, {47, self}, {49, rep}, {49, self}}},
		{strings.ToUpper(seedID), []Problem{{42, self}, {43, rep}, {43, self}, {44, rep}, {44, self}, {45, rep}, {45, self}, {47, rep}, {47, self}, {49, rep}, {49, self}}},
	}
	for _, tt := range tests {
		got := Check(seed, tt.self)
		if g, w := problemLines(got), problemLines(tt.want); g != w {
			t.Errorf("Check(seed, %q):\n%s\nwant:\n%s", tt.self, g, w)
		}
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		in   func(t *testing.T) []byte
		want []string // "line: fragment", in order; exactly these problems
	}{
		{"sections swapped", func(t *testing.T) []byte {
			return edited(t, func(l []string) []string {
				return concat(l[:10], l[23:29], l[10:23], l[29:])
			})
		}, []string{`17: section "## Keywords" out of order: it comes before "## Themes"`}},
		{"section missing", func(t *testing.T) []byte {
			return edited(t, func(l []string) []string { return concat(l[:23], l[29:]) })
		}, []string{`24: missing section "## Themes"`}},
		{"section repeated", func(t *testing.T) []byte {
			return edited(t, func(l []string) []string { return concat(l[:29], l[23:29], l[29:]) })
		}, []string{`30: section "## Themes" repeated (first on line 24)`}},
		{"unknown section", func(t *testing.T) []byte { return edited(t, set(24, "## Topics")) },
			[]string{`24: unknown section "## Topics"`, `30: missing section "## Themes"`}},
		{"heading case", func(t *testing.T) []byte { return edited(t, set(24, "## themes")) }, []string{`24: heading must be written "## Themes"`}},
		{"missing blank", func(t *testing.T) []byte { return edited(t, set(12)) }, []string{`12: 0 blank lines after "## Keywords", want 1`}},
		{"extra blank", func(t *testing.T) []byte { return edited(t, set(23, "", "")) }, []string{`25: 2 blank lines before "## Themes", want 1`}},
		{"blank inside list", func(t *testing.T) []byte { return edited(t, set(15, "", "* update")) }, []string{`15: blank line inside the section "## Keywords"`}},
		{"preamble blanks", func(t *testing.T) []byte { return edited(t, set(5)) }, []string{`6: 2 blank lines before "## Summary", want 3`}},
		{"white space on a blank line", func(t *testing.T) []byte { return edited(t, set(10, "  ")) }, []string{`10: blank line holds white space`}},
		{"CRLF", func(t *testing.T) []byte { return edited(t, set(13, "* Zoom\r")) }, []string{`13: line ends with a carriage return`}},
		{"dash bullet", func(t *testing.T) []byte { return edited(t, set(13, "- Zoom")) }, []string{`13: expected a list item "* text", got "- Zoom"`}},
		{"empty item", func(t *testing.T) []byte { return edited(t, set(13, "* ")) }, []string{`13: empty keyword`}},
		{"two spaces after bullet", func(t *testing.T) []byte { return edited(t, set(13, "*  Zoom")) }, []string{`13: column 3: space at the start or end of the text`}},
		{"heading in keyword", func(t *testing.T) []byte { return edited(t, set(13, "* # Zoom")) }, []string{`13: column 3: "#" must be written "\#"`}},
		{"needless escape", func(t *testing.T) []byte { return edited(t, set(13, `* Zoom\.`)) }, []string{`13: column 7: needless backslash: write "\." as "."`}},
		{"script in summary", func(t *testing.T) []byte { return edited(t, set(9, "Text <script>alert(1)</script>")) }, []string{`9: column 6: "<" must be written "\<"`}},
		{"summary on two lines", func(t *testing.T) []byte { return edited(t, set(9, "One.", "Two.")) }, []string{`10: the summary is one line`}},
		{"tab in summary", func(t *testing.T) []byte { return edited(t, set(9, "A\tB")) }, []string{`9: column 2: white space U+0009`}},
		{"bad date", func(t *testing.T) []byte {
			return edited(t, set(1, "# __T__, from ([20230231](https://kghosh.substack.com/p/20230231).)"))
		}, []string{`1: column 17: issue date "20230231" is not a calendar date`}},
		{"title line", func(t *testing.T) []byte { return edited(t, set(1, "# Zoom")) }, []string{`1: expected the title line`}},
		{"underscore in title", func(t *testing.T) []byte {
			return edited(t, set(1, "# __a_b__, from ([20230827](https://kghosh.substack.com/p/20230827).)"))
		}, []string{`1: column 6: "_" must be written "\_"`}},
		{"unsafe issue URL", func(t *testing.T) []byte {
			return edited(t, set(1, "# __T__, from ([20230827](javascript:alert%281%29).)"))
		}, []string{`1: column 27: issue URL: scheme "javascript" is not allowed, want http or https`}},
		{"paren in link", func(t *testing.T) []byte { return edited(t, set(3, "__[External link](https://x.example/a_(b))__")) },
			[]string{`3: column 39: article URL: byte '(' must be percent-encoded as %28`}},
		{"link line missing", func(t *testing.T) []byte { return edited(t, set(3)) }, []string{`6: missing the link line`}},
		{"table header", func(t *testing.T) []byte { return edited(t, set(32, "| Signal | Change | Horizon | Force |")) },
			[]string{`32: expected the table header "| Signal | Change | 10y horizon | Driving force |"`}},
		{"separator width", func(t *testing.T) []byte { return edited(t, set(33, "|:------|:------|:------|:------|")) },
			[]string{`33: separator of column "Signal" must be ":" and 61 dashes`}},
		{"row not padded", func(t *testing.T) []byte {
			return edited(t, func(l []string) []string {
				l[35] = strings.Replace(l[35], "features  ", "features ", 1)
				return l
			})
		}, []string{`36: column 2: cell of "Signal" not left-aligned and padded to 60 characters`}},
		{"row right-aligned", func(t *testing.T) []byte {
			return edited(t, func(l []string) []string {
				s := "Zoom introduces generative AI features"
				l[35] = strings.Replace(l[35], fmt.Sprintf("| %-60s |", s), fmt.Sprintf("| %60s |", s), 1)
				return l
			})
		}, []string{`36: column 2: cell of "Signal" not left-aligned`}},
		{"unescaped pipe", func(t *testing.T) []byte {
			return edited(t, func(l []string) []string {
				l[35] = strings.Replace(l[35], "Zoom introduces", "Zoom | introduces", 1)
				return l
			})
		}, []string{`36: table row has 5 cells, want 4`}},
		{"empty row", func(t *testing.T) []byte {
			return edited(t, set(36, "|"+strings.Repeat(" ", 62)+"|"+strings.Repeat(" ", 49)+"|"+strings.Repeat(" ", 52)+"|"+strings.Repeat(" ", 53)+"|"))
		}, []string{`36: empty table row`}},
		{"no table", func(t *testing.T) []byte {
			return edited(t, func(l []string) []string { return concat(l[:31], l[37:]) })
		},
			[]string{`30: missing the table header`, `31: 2 blank lines after "## Signals", want 1`}},
		{"Closest syntax", func(t *testing.T) []byte {
			return edited(t, set(41, "* The Role of AI (df59e2cf3380ffd9aeac9a3e01073300)"))
		},
			[]string{`41: expected a Closest line "* [TITLE](ID)"`}},
		{"Closest id", func(t *testing.T) []byte { return edited(t, set(41, "* [The Role](df59e2cf)")) },
			[]string{`41: column 14: id "df59e2cf" is not 32 lowercase hex digits`}},
		{"Closest id case", func(t *testing.T) []byte { return edited(t, set(41, "* [The Role](DF59E2CF3380FFD9AEAC9A3E01073300)")) },
			[]string{`41: column 14: id must be lowercase`}},
		{"Closest bracket", func(t *testing.T) []byte {
			return edited(t, set(41, "* [The [Role]](df59e2cf3380ffd9aeac9a3e01073300)"))
		},
			[]string{`41: column 8: "[" must be written "\["`}},
		{"eleven Closest", func(t *testing.T) []byte {
			return edited(t, func(l []string) []string {
				for i := range 11 {
					l = append(l, fmt.Sprintf("* [T](%032x)", i))
				}
				return concat(l[:40], l[50:])
			})
		}, []string{`51: more than 10 Closest lines`}},
		{"trailing newline", func(t *testing.T) []byte { return append(distinct(t), '\n') },
			[]string{`50: the file ends with a newline: it must end right after this line`}},
		{"trailing blank lines", func(t *testing.T) []byte { return append(distinct(t), "\n\n"...) },
			[]string{`51: 2 blank lines at the end of the file`}},
		{"empty Closest", func(t *testing.T) []byte { return edited(t, func(l []string) []string { return append(l[:39], "") }) }, nil},
		{"empty Closest without newline", func(t *testing.T) []byte { return edited(t, func(l []string) []string { return l[:39] }) },
			[]string{`39: the file must end with a newline after "## Closest"`}},
		{"empty Closest with blank line", func(t *testing.T) []byte {
			return edited(t, func(l []string) []string { return append(l[:39], "", "") })
		},
			[]string{`41: 1 blank line at the end of the file`}},
		{"empty file", func(t *testing.T) []byte { return nil }, []string{
			`1: expected the title line`,
			`1: missing section "## Summary"`, `1: missing section "## Keywords"`, `1: missing section "## Themes"`,
			`1: missing section "## Signals"`, `1: missing section "## Closest"`, `1: missing the link line`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in(t)
			got := Check(in, "")
			if tt.name != "empty file" && !strings.Contains(tt.name, "eleven") {
				got = dropRepeats(got)
			}
			ok := len(got) == len(tt.want)
			for i := 0; ok && i < len(got); i++ {
				ok = strings.HasPrefix(fmt.Sprintf("%d: %s", got[i].Line, got[i].Msg), tt.want[i])
			}
			if !ok {
				t.Errorf("got:\n%swant:\n%s", problemLines(got), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// distinct is the seed with its repeated Closest lines made distinct.
func distinct(t *testing.T) []byte {
	return edited(t, func(l []string) []string {
		for i := 41; i < 50; i++ {
			l[i] = fmt.Sprintf("* [T](%032x)", i)
		}
		return l
	})
}

// dropRepeats leaves out the seed's own repeated Closest lines.
func dropRepeats(ps []Problem) []Problem {
	var out []Problem
	for _, p := range ps {
		if !strings.Contains(p.Msg, "repeats id "+seedID) {
			out = append(out, p)
		}
	}
	return out
}

func concat(ls ...[]string) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l...)
	}
	return out
}
