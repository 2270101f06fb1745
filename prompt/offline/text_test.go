package offline

import (
	"reflect"
	"testing"
)

func TestSplitSentences(t *testing.T) {
	for _, tc := range []struct {
		lang, text string
		want       []string
	}{
		{"en", "Mr. Smith met Dr. Jones in the U.S. capital. They talked.",
			[]string{"Mr. Smith met Dr. Jones in the U.S. capital.", "They talked."}},
		{"en", "Sales grew 3.5 percent in the U.S. The rise was small.",
			[]string{"Sales grew 3.5 percent in the U.S.", "The rise was small."}},
		{"en", "It beat the Series 3. What a phone.",
			[]string{"It beat the Series 3.", "What a phone."}},
		{"en", "Some tools, e.g. Zoom, train on data. Others do not.",
			[]string{"Some tools, e.g. Zoom, train on data.", "Others do not."}},
		{"en", `"We will act," she said. "Soon." Then she left.`,
			[]string{`"We will act," she said.`, `"Soon."`, "Then she left."}},
		{"en", `He asked "why not?" and smiled. Was it true? Nobody knew!`,
			[]string{`He asked "why not?" and smiled.`, "Was it true?", "Nobody knew!"}},
		{"en", "J. K. Rowling wrote it. It sold well.",
			[]string{"J. K. Rowling wrote it.", "It sold well."}},
		{"en", "He joined Acme Inc. The firm grew. Acme Corp. Chairman Lee cheered. Acme Ltd. Staff cheered.",
			[]string{"He joined Acme Inc.", "The firm grew.", "Acme Corp. Chairman Lee cheered.", "Acme Ltd. Staff cheered."}},
		{"en", "See No. 10 for details. Visit example.com today. Fine.",
			[]string{"See No. 10 for details.", "Visit example.com today.", "Fine."}},
		{"en", "Wait... What happened? It ended.",
			[]string{"Wait...", "What happened?", "It ended."}},
		{"en", "A heading\nThe body starts here. It goes on.\n\n- a list item\n* another one",
			[]string{"A heading", "The body starts here.", "It goes on.", "a list item", "another one"}},
		{"de", "Die Reichweite sinkt z. B. bei Frost. Ab dem 1. Januar gilt das Gesetz. Das ist neu.",
			[]string{"Die Reichweite sinkt z. B. bei Frost.", "Ab dem 1. Januar gilt das Gesetz.", "Das ist neu."}},
		{"en", "東京都は決めた。費用は補助金で賄う。",
			[]string{"東京都は決めた。", "費用は補助金で賄う。"}},
	} {
		d := newDoc(tc.text, tc.lang)
		var got []string
		for _, s := range d.sents {
			got = append(got, tc.text[s.start:s.end])
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("split %q\n got %q\nwant %q", tc.text, got, tc.want)
		}
	}
}

func TestTokens(t *testing.T) {
	text := "Zoom's AI-powered tools, from AT&T and the U.S. government, cost $3.5 billion."
	d := newDoc(text, "en")
	var got []string
	for i := range d.toks {
		got = append(got, d.word(i))
	}
	want := []string{"Zoom", "AI-powered", "tools", "from", "AT&T", "and", "the", "U.S.", "government", "cost", "3.5", "billion"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("tokens\n got %q\nwant %q", got, want)
	}
	if d.toks[0].flags&fPossessive == 0 {
		t.Error("Zoom's: possessive not marked")
	}
	if d.toks[1].flags&fJoin != 0 {
		t.Error("a possessive must end a keyphrase")
	}
}

func TestStemEnglish(t *testing.T) {
	for w, want := range map[string]string{
		"models": "model", "model": "model", "training": "train", "trained": "train",
		"boilers": "boiler", "policies": "polici", "policy": "polici", "updated": "update",
		"updates": "update", "regulations": "regulate", "happiness": "happi", "hopping": "hop",
		"caresses": "caress", "agreed": "agree", "ai": "ai", "ai-powered": "ai-powered",
		"generative": "gener", "general": "general", "data": "data", "news": "new",
	} {
		if got := stemEnglish(w); got != want {
			t.Errorf("stemEnglish(%q) = %q, want %q", w, got, want)
		}
	}
}

func TestLanguage(t *testing.T) {
	for _, tc := range []struct{ hint, text, want string }{
		{"de-DE", "whatever", "de"},
		{"", "The council said that it will ban the boilers in the city by the end of the decade.", "en"},
		{"", "Die Stadt hat beschlossen, dass die Busse bis 2030 mit Strom fahren und nicht mit Diesel.", "de"},
		{"", "Kaupunki rakentaa uuden raitiotien keskustasta itään vuoteen 2028 mennessä.", ""},
	} {
		if got := pickLanguage(tc.hint, tc.text).code; got != tc.want {
			t.Errorf("pickLanguage(%q, %.30q) = %q, want %q", tc.hint, tc.text, got, tc.want)
		}
	}
}
