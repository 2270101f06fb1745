package extract

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
)

func encode(t *testing.T, e encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := e.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestToUTF8(t *testing.T) {
	const ru = "<p>Строительство линии заняло почти три года и обошлось городскому бюджету в одиннадцать миллиардов рублей.</p>"
	const de = "<p>Größter Solarpark Süddeutschlands für 120 Millionen € „eröffnet“.</p>"
	longHead := "<html><head>" + strings.Repeat("<!-- padding padding padding -->\n", 60) // past 1024 bytes
	tests := []struct {
		name        string
		body        []byte
		contentType string
		want        string // a substring of the output
		wantEnc     string
	}{
		{"utf-8 declared", []byte(`<meta charset="utf-8">` + de), "", "Größter", "utf-8"},
		{"utf-8 undeclared", []byte(de), "", "Millionen €", "utf-8"},
		{"utf-8 BOM", append([]byte{0xEF, 0xBB, 0xBF}, de...), "text/html; charset=windows-1252", "Größter", "utf-8"},
		{"header charset", encode(t, charmap.Windows1251, ru), "text/html; charset=windows-1251", "Строительство", "windows-1251"},
		{"header beats meta", encode(t, charmap.Windows1251, `<meta charset="iso-8859-1">`+ru), "text/html; charset=windows-1251", "миллиардов", "windows-1251"},
		{"meta charset", encode(t, japanese.ShiftJIS, `<meta charset="Shift_JIS"><p>地方の鉄道、観光列車で再生へ</p>`), "text/html", "観光列車", "shift_jis"},
		{"meta after 1024 bytes", encode(t, charmap.Windows1251, longHead+`<meta http-equiv="content-type" content="text/html; charset=windows-1251"></head>`+ru), "", "бюджету", "windows-1251"},
		{"iso-8859-1 is windows-1252", encode(t, charmap.Windows1252, `<meta charset="ISO-8859-1"><p>L'énergie des marées – “ça marche”</p>`), "", "“ça marche”", "windows-1252"},
		{"lying latin-1 header on utf-8", []byte(de), "text/html; charset=ISO-8859-1", "Millionen € „eröffnet“", "utf-8"},
		{"lying utf-8 header on windows-1251", encode(t, charmap.Windows1251, strings.Repeat(ru, 3)), "text/html; charset=utf-8", "Строительство", "windows-1251"},
		{"utf-8 header, true meta", encode(t, charmap.Windows1251, `<meta charset="windows-1251">`+ru), "text/html; charset=utf-8", "Строительство", "windows-1251"},
		{"undeclared windows-1251", encode(t, charmap.Windows1251, strings.Repeat(ru, 3)), "", "рублей", "windows-1251"},
		{"iso-2022-jp (7-bit)", encode(t, japanese.ISO2022JP, `<p>地方の鉄道</p>`), "text/html; charset=iso-2022-jp", "地方の鉄道", "iso-2022-jp"},
		{"invalid bytes in utf-8", []byte(de + "<p>Größter \xff\xfe Solarpark \xc3 Süddeutschlands</p>"), "text/html; charset=utf-8", "Größter \uFFFD", "utf-8"},
		{"invalid bytes, undeclared", []byte(de + "<p>Größter \xff Solarpark</p>"), "", "Größter \uFFFD Solarpark", "utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, enc := toUTF8(tt.body, tt.contentType)
			if !utf8.ValidString(got) {
				t.Errorf("output is not valid UTF-8: %q", got)
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("output lacks %q:\n%s", tt.want, got)
			}
			if enc != tt.wantEnc {
				t.Errorf("encoding = %s, want %s", enc, tt.wantEnc)
			}
		})
	}
}

func TestCharsetParam(t *testing.T) {
	for in, want := range map[string]string{
		"text/html; charset=Shift_JIS":   "Shift_JIS",
		`text/html; charset="gbk"`:       "gbk",
		"text/html;charset = 'koi8-r' ;": "koi8-r",
		"text/html":                      "",
	} {
		if got := charsetParam(in); got != want {
			t.Errorf("charsetParam(%q) = %q, want %q", in, got, want)
		}
	}
}
