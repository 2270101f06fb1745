package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestRejectRemembersTheLink(t *testing.T) {
	ta := newTestApp(t)
	link := "https://example.com/news/zoom?utm_source=mail"
	id := ta.newDraft(t, articleHTML, link)
	if code := ta.run("reject", id[:7], "--reason", "paywalled"); code != 0 {
		t.Fatalf("exit %d: %s", code, ta.err)
	}
	if strings.TrimSpace(ta.out.String()) != filepath.Join("drafts", "rejected", id+".md") {
		t.Fatalf("stdout %q", ta.out)
	}
	d, err := ta.ws().LoadDraft(id)
	if err != nil || d.Rejected == nil || d.Rejected.Reason != "paywalled" || !d.Rejected.At.Equal(ta.Now()) {
		t.Fatalf("rejection %+v %v", d.Rejected, err)
	}
	if ta.run("drafts", "--json"); ta.out.String() != "[]\n" {
		t.Fatalf("drafts still lists it: %s", ta.out)
	}
	// The same article, through another tracking link, is not drafted again...
	if code := ta.run("new", "--html", articleHTML, "--url", "https://example.com/news/zoom?fbclid=1"); code != exitFailure || !strings.Contains(ta.err.String(), filepath.Join("drafts", "rejected", id+".json")) {
		t.Fatalf("new of a rejected link: exit %d %q", code, ta.err)
	}
	// ...unless forced, and then the draft says it was rejected.
	if code := ta.run("new", "--force", "--html", articleHTML, "--url", link); code != 0 {
		t.Fatalf("--force: exit %d %s", code, ta.err)
	}
	ta.run("drafts", "--json")
	var infos []draftInfo
	json.Unmarshal(ta.out.Bytes(), &infos)
	dup := infos[0].Flags[len(infos[0].Flags)-1]
	if dup.Kind != "duplicate" || !strings.Contains(strings.Join(dup.Items, " "), "(rejected: paywalled)") {
		t.Fatalf("flags %+v", infos[0].Flags)
	}
	if code := ta.run("reject", id, id[:6]); code != 0 || !ta.exists("drafts/rejected/"+id+".json") || ta.exists("drafts/"+id+".json") {
		t.Fatalf("second reject: exit %d %s", code, ta.err)
	}
}
