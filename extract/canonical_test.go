package extract

import (
	"strings"
	"testing"
)

func TestCanonicalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://example.com/a", "https://example.com/a"},
		{"HTTPS://WWW.Example.COM/Path/To?Q=Keep", "https://www.example.com/Path/To?Q=Keep"},
		{"https://example.com", "https://example.com/"},
		{"https://example.com/a#section-2", "https://example.com/a"},
		{"https://example.com/a?#", "https://example.com/a"},
		{"http://example.com:80/a", "http://example.com/a"},
		{"https://example.com:443/a", "https://example.com/a"},
		{"https://example.com:8443/a", "https://example.com:8443/a"},
		{"http://example.com:443/a", "http://example.com:443/a"},
		{"https://user:secret@example.com/a", "https://example.com/a"},
		{"http://[::1]:8080/a", "http://[::1]:8080/a"},
		{"  https://example.com/a  ", "https://example.com/a"},
		// tracking parameters go, the rest stay in order and as written
		{"https://example.com/a?utm_source=substack&utm_medium=email", "https://example.com/a"},
		{"https://example.com/a?b=2&utm_campaign=x&a=1&fbclid=IwAR0&c=3", "https://example.com/a?b=2&a=1&c=3"},
		{"https://example.com/a?gclid=1&dclid=2&msclkid=3&mc_cid=4&mc_eid=5&_ga=6&igshid=7&yclid=8&ref_src=twsrc", "https://example.com/a"},
		{"https://example.com/a?UTM_Source=x&Fbclid=y&id=7", "https://example.com/a?id=7"},
		{"https://example.com/a?utm%5Fsource=x&id=7", "https://example.com/a?id=7"},
		{"https://example.com/a?q=a%20b+c&path=%2Fx&empty=&flag", "https://example.com/a?q=a%20b+c&path=%2Fx&empty=&flag"},
		{"https://example.com/a?&&id=1&&", "https://example.com/a?id=1"},
		{"https://example.com/a?ref=homepage&page=2", "https://example.com/a?ref=homepage&page=2"},
		{"https://example.com/caf%C3%A9/%7Euser", "https://example.com/caf%C3%A9/%7Euser"},
		{"https://www.cnbc.com/2023/08/07/zoom-ai-tools-trained-using-some-customer-data.html?utm_source=substack&utm_medium=email",
			"https://www.cnbc.com/2023/08/07/zoom-ai-tools-trained-using-some-customer-data.html"},
	}
	for _, tt := range tests {
		got, err := Canonicalize(tt.in)
		if err != nil {
			t.Errorf("Canonicalize(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Canonicalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if again, _ := Canonicalize(got); again != got {
			t.Errorf("Canonicalize is not idempotent on %q: %q", got, again)
		}
	}
}

func TestCanonicalizeRejects(t *testing.T) {
	for _, in := range []string{"", "example.com/a", "ftp://example.com/a", "file:///tmp/a.html", "https:///a", "http://exa mple.com/", "mailto:a@example.com"} {
		if got, err := Canonicalize(in); err == nil {
			t.Errorf("Canonicalize(%q) = %q, want an error", in, got)
		}
	}
}

func TestID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "d41d8cd98f00b204e9800998ecf8427e"},
		{"https://example.com/", "182ccedb33a9e03fbf1079b209da1a31"},
		{"https://www.cnbc.com/2023/08/07/zoom-ai-tools-trained-using-some-customer-data.html", "53a8acc8293e8637e8ba649ad5615cee"},
	}
	for _, tt := range tests {
		if got := ID(tt.in); got != tt.want {
			t.Errorf("ID(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
	// Two tracking links to one article are one entry.
	a, _ := Canonicalize("https://Example.com/story?id=9&utm_source=newsletter#comments")
	b, _ := Canonicalize("https://example.com:443/story?fbclid=abc&id=9")
	if ID(a) != ID(b) {
		t.Errorf("ids differ: %s (%s) vs %s (%s)", ID(a), a, ID(b), b)
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://example.com/a?id=1", "https://example.com/a?id=1"},
		{"https://user:hunter2@example.com/a", "https://***@example.com/a"},
		{"https://user@example.com/a", "https://***@example.com/a"},
		{"https://example.com/a?token=abc&id=1&api_key=k1&X-Amz-Signature=s&sig=z&auth=q&password=p&client_secret=c",
			"https://example.com/a?token=***&id=1&api_key=***&X-Amz-Signature=***&sig=***&auth=***&password=***&client_secret=***"},
		{"https://example.com/cb#access_token=abc&state=1", "https://example.com/cb#access_token=***&state=1"},
		{"https://example.com/a#section", "https://example.com/a#section"},
		{"https://u:p@exa mple.com/a", "https://***@exa mple.com/a"}, // does not parse
		{"not a url", "not a url"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := Redact("https://a:b@example.com/"); strings.Contains(got, "b@") {
		t.Errorf("password kept: %s", got)
	}
}
