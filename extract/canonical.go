package extract

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Canonicalize returns the canonical form of an http(s) URL, the source of an
// entry's id (FORMAT.md, "Entry ids"): scheme and host lowercased, default
// port, userinfo and fragment dropped, an empty path written "/", and
// tracking parameters (utm_*, fbclid, gclid, mc_cid, …) removed; the other
// query parameters are kept as written and in their order. The same article
// reached through two tracking links thus gets one canonical URL.
func Canonicalize(rawURL string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return "", err
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		if scheme == "" {
			return "", errors.New("missing scheme (http:// or https://)")
		}
		return "", fmt.Errorf("unsupported scheme %q", u.Scheme)
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return "", errors.New("missing host")
	}
	if strings.Contains(host, ":") { // IPv6 literal
		host = "[" + host + "]"
	}
	if port := u.Port(); port != "" && !(scheme == "http" && port == "80") && !(scheme == "https" && port == "443") {
		host += ":" + port
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	var b strings.Builder
	b.WriteString(scheme + "://" + host + path)
	if q := stripTracking(u.RawQuery); q != "" {
		b.WriteString("?" + q)
	}
	return b.String(), nil
}

// ID returns an entry's id: the MD5 of its canonical URL, in lowercase hex.
func ID(canonicalURL string) string {
	sum := md5.Sum([]byte(canonicalURL))
	return hex.EncodeToString(sum[:])
}

// trackingParams are query parameters that only say how a reader arrived
// (campaign, click and mailing-list ids), never which page they asked for.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "gclsrc": true, "dclid": true, "gbraid": true, "wbraid": true,
	"msclkid": true, "mc_cid": true, "mc_eid": true, "_ga": true, "_gl": true, "igshid": true,
	"yclid": true, "ymclid": true, "ref_src": true, "ref_url": true, "twclid": true, "ttclid": true,
	"li_fat_id": true, "mkt_tok": true, "_hsenc": true, "_hsmi": true, "__hstc": true, "__hssc": true,
	"__hsfp": true, "hsctatracking": true, "oly_anon_id": true, "oly_enc_id": true, "vero_id": true,
	"vero_conv": true, "wickedid": true, "rb_clickid": true, "s_kwcid": true, "srsltid": true,
	"ck_subscriber_id": true, "_kx": true, "epik": true,
}

func isTracking(name string) bool {
	name = strings.ToLower(name)
	return strings.HasPrefix(name, "utm_") || trackingParams[name]
}

// stripTracking drops tracking parameters and empty segments from a raw
// query, keeping the rest byte for byte and in order.
func stripTracking(raw string) string {
	if raw == "" {
		return ""
	}
	var kept []string
	for _, p := range strings.Split(raw, "&") {
		if p == "" {
			continue
		}
		name, _, _ := strings.Cut(p, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if !isTracking(name) {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, "&")
}
