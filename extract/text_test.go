package extract

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func TestRenderText(t *testing.T) {
	const page = `<div>
  <h2>What  happens
  next</h2>
  <p>The   city expects&nbsp;&nbsp;to hire a <b>contractor</b>,
     said <a href="/x">the&nbsp;mayor</a>.</p>
  <ul>
    <li>removing soil;</li>
    <li> a <em>walking</em> loop </li>
  </ul>
  <div>A div used as a paragraph.</div><div>Another one.</div>
  <p>First line<br>second line<br><br>after a double break</p>
  <table><tr><th>Year</th><th>Cost</th></tr><tr><td>2024</td><td>$38m</td></tr></table>
  <pre>code   stays
  on lines</pre>
  <blockquote><p>Quoted.</p></blockquote>
  <script>var ignored = 1;</script><style>p{}</style>
  <p hidden>Hidden text.</p><span aria-hidden="true">Icon</span>
  <p>Soft&shy;hyphen and zero&#8203;width.</p>
</div>`
	want := strings.Join([]string{
		"What happens next",
		"",
		"The city expects to hire a contractor, said the mayor.",
		"",
		"removing soil;",
		"a walking loop",
		"",
		"A div used as a paragraph.",
		"",
		"Another one.",
		"",
		"First line",
		"second line",
		"",
		"after a double break",
		"",
		"Year Cost",
		"2024 $38m",
		"",
		"code stays",
		"on lines",
		"",
		"Quoted.",
		"",
		"Softhyphen and zerowidth.",
	}, "\n")
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	if got := renderText(doc); got != want {
		t.Errorf("renderText:\n%s\n--- want:\n%s", got, want)
	}
}

func TestTidyText(t *testing.T) {
	got := tidyText("\n\n  a \t b\u00a0\u00a0c \n \n\n\n d\n\ne  \n\n")
	if want := "a b c\n\nd\n\ne"; got != want {
		t.Errorf("tidyText = %q, want %q", got, want)
	}
}

func TestCountWords(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{" — … ", 0},
		{"Hello, world!", 2},
		{"Don't stop the e-mail at 3.5 km.", 7},
		{"Größter Solarpark\n\nSüddeutschlands", 3},
		{"Строительство линии заняло", 3},
		{"地方の鉄道", 5},
		{"観光列車で再生へ。", 8},
		{"Zoom のAI", 3},
	}
	for _, tt := range tests {
		if got := countWords(tt.in); got != tt.want {
			t.Errorf("countWords(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
