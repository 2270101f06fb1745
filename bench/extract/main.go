// Command extract benchmarks digest's article extraction on the pages of the
// article-extraction benchmark (../shared/bench/aeb-dev): it runs
// extract.FromHTML on every page, and plain go-readability v2 beside it,
// writes each one's predictions as JSON, scores them with
// ../shared/bench/aebscore (the benchmark's own metric) and prints F1,
// precision and recall on all pages and on two fixed halves, with the median
// and p95 milliseconds per page.
//
//	go run ./bench/extract                      # from the repository root
//	go run ./bench/extract -worst 10            # and the ten worst pages
//	go run ./bench/extract -rounds 1 -pred /tmp/pred.json
//
// The halves split the pages by the first hex digit of their id (a hash):
// tune on one, check that a gain holds on the other.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"codeberg.org/readeck/go-readability/v2"
	"github.com/digest-tool/digest/extract"
	"golang.org/x/net/html"
)

type page struct {
	id, url string
	html    []byte
}

// extractor is one way of getting a page's text.
type extractor struct {
	name string
	run  func(page) (string, error)
	pred string // predictions file
	// per page, its time in each round
	times [][]time.Duration
}

func main() {
	dir := flag.String("pages", "../shared/bench/aeb-dev", "benchmark folder: html/<id>.html.gz and ground-truth.json")
	scorer := flag.String("aebscore", "../shared/bench/aebscore", "folder of the aebscore command")
	predDir := flag.String("out", "", "folder for the predictions JSON (default: a temporary folder, kept and named)")
	pred := flag.String("pred", "", "also copy digest's predictions to this file")
	rounds := flag.Int("rounds", 5, "times each page is extracted; a page's time is its median")
	worst := flag.Int("worst", 0, "list this many of digest's worst pages")
	baseline := flag.Bool("readability", true, "also run plain go-readability v2 as the baseline")
	flag.Parse()

	pages, gt := load(*dir)
	if *predDir == "" {
		d, err := os.MkdirTemp("", "digest-bench-extract-")
		check(err)
		*predDir = d
	}
	x := extract.New(extract.Options{})
	exs := []*extractor{{name: "digest extract", run: func(p page) (string, error) {
		a, err := x.FromHTML(bytes.NewReader(p.html), p.url)
		return a.Text, err
	}}}
	if *baseline {
		exs = append(exs, &extractor{name: "readability v2 alone", run: readabilityText})
	}

	preds := make([]map[string]map[string]string, len(exs))
	for i, ex := range exs {
		preds[i] = map[string]map[string]string{}
		ex.times = make([][]time.Duration, len(pages))
	}
	failed := make([]int, len(exs))
	// Rounds go over all pages and extractors in turn so that a slow moment
	// of the machine falls on both alike.
	for r := range max(*rounds, 1) {
		for j, p := range pages {
			for i, ex := range exs {
				start := time.Now()
				text, err := ex.run(p)
				ex.times[j] = append(ex.times[j], time.Since(start))
				if r == 0 {
					if err != nil {
						failed[i]++
					}
					preds[i][p.id] = map[string]string{"articleBody": text}
				}
			}
		}
	}

	bin := buildScorer(*scorer)
	gts := halves(*predDir, gt)
	fmt.Printf("%d pages (half A %d, half B %d), %d rounds; predictions in %s\n\n",
		len(pages), gts[1].n, gts[2].n, *rounds, *predDir)
	fmt.Println("| extractor | F1 | precision | recall | F1 half A | F1 half B | median ms | p95 ms | failed |")
	fmt.Println("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
	for i, ex := range exs {
		ex.pred = filepath.Join(*predDir, strings.ReplaceAll(ex.name, " ", "-")+".json")
		writeJSON(ex.pred, preds[i])
		all := score(bin, gts[0].path, ex.pred)
		a, b := score(bin, gts[1].path, ex.pred), score(bin, gts[2].path, ex.pred)
		med, p95 := timing(ex.times)
		fmt.Printf("| %s | %.3f | %.3f | %.3f | %.3f | %.3f | %.2f | %.2f | %d |\n",
			ex.name, all.f1, all.p, all.r, a.f1, b.f1, med, p95, failed[i])
	}
	if len(exs) > 1 {
		m0, p0 := timing(exs[0].times)
		m1, p1 := timing(exs[1].times)
		fmt.Printf("\nspeed: %s takes %.2f× the median and %.2f× the p95 time of %s\n", exs[0].name, m0/m1, p0/p1, exs[1].name)
	}
	if *pred != "" {
		writeJSON(*pred, preds[0])
	}
	if *worst > 0 {
		fmt.Printf("\n%s, worst pages (page F1, half, id):\n", exs[0].name)
		out, err := exec.Command(bin, "-gt", gts[0].path, "-pred", exs[0].pred, "-per-page").Output()
		check(err)
		sc := bufio.NewScanner(bytes.NewReader(out))
		sc.Scan() // the summary line
		for n := 0; n < *worst && sc.Scan(); n++ {
			f := strings.Fields(sc.Text())
			if len(f) == 2 {
				fmt.Printf("%s %s %s\n", f[0], half(f[1]), f[1])
			}
		}
	}
}

// readabilityText is the baseline: go-readability v2 on its own, on the
// parsed page, its article node rendered by its own text renderer. The
// benchmark's pages are UTF-8, so the page is parsed as it is: readability's
// FromReader would add a charset detection that doubles its time.
func readabilityText(p page) (string, error) {
	u, err := url.Parse(p.url)
	if err != nil {
		return "", err
	}
	doc, err := html.Parse(bytes.NewReader(p.html))
	if err != nil {
		return "", err
	}
	parser := readability.NewParser()
	a, err := parser.ParseAndMutate(doc, u)
	if err != nil || a.Node == nil {
		return "", err
	}
	var sb strings.Builder
	err = a.RenderText(&sb)
	return sb.String(), err
}

type truth struct {
	ArticleBody string `json:"articleBody"`
	URL         string `json:"url"`
}

func load(dir string) ([]page, map[string]truth) {
	raw, err := os.ReadFile(filepath.Join(dir, "ground-truth.json"))
	if err != nil {
		fatal("%v (run from the repository root, or give -pages)", err)
	}
	var gt map[string]truth
	check(json.Unmarshal(raw, &gt))
	paths, err := filepath.Glob(filepath.Join(dir, "html", "*.html.gz"))
	check(err)
	var pages []page
	for _, p := range paths {
		id := strings.TrimSuffix(filepath.Base(p), ".html.gz")
		pages = append(pages, page{id, gt[id].URL, gunzip(p)})
	}
	if len(pages) == 0 {
		fatal("no pages in %s", filepath.Join(dir, "html"))
	}
	return pages, gt
}

// half names the half of the benchmark a page belongs to. Ids are hex
// SHA-256 digests, so their first digit splits the pages at random.
func half(id string) string {
	if id != "" && strings.IndexByte("01234567", id[0]) >= 0 {
		return "A"
	}
	return "B"
}

type gtFile struct {
	path string
	n    int
}

// halves writes the ground truth of all pages, of half A and of half B.
func halves(dir string, gt map[string]truth) [3]gtFile {
	var out [3]gtFile
	for i, name := range []string{"all", "A", "B"} {
		sub := map[string]truth{}
		for id, t := range gt {
			if name == "all" || half(id) == name {
				sub[id] = t
			}
		}
		out[i] = gtFile{filepath.Join(dir, "ground-truth-"+name+".json"), len(sub)}
		writeJSON(out[i].path, sub)
	}
	return out
}

// buildScorer builds aebscore once, so that scoring runs it and never
// re-implements the metric.
func buildScorer(dir string) string {
	abs, err := filepath.Abs(dir)
	check(err)
	tmp, err := os.MkdirTemp("", "aebscore-")
	check(err)
	bin := filepath.Join(tmp, "aebscore")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = abs
	if out, err := cmd.CombinedOutput(); err != nil {
		fatal("build aebscore in %s: %v\n%s", abs, err, out)
	}
	return bin
}

type result struct{ f1, p, r float64 }

// score runs aebscore and reads its summary line:
// "pages 91  F1 0.956 ± 0.006  precision 0.925  recall 0.989  accuracy 0.242".
func score(bin, gt, pred string) result {
	out, err := exec.Command(bin, "-gt", gt, "-pred", pred).Output()
	if err != nil {
		fatal("aebscore -gt %s -pred %s: %v", gt, pred, err)
	}
	var r result
	f := strings.Fields(string(out))
	for i := 0; i+1 < len(f); i++ {
		var v *float64
		switch f[i] {
		case "F1":
			v = &r.f1
		case "precision":
			v = &r.p
		case "recall":
			v = &r.r
		default:
			continue
		}
		if _, err := fmt.Sscan(f[i+1], v); err != nil {
			fatal("aebscore printed %q", out)
		}
	}
	return r
}

// timing gives the median and 95th percentile, over pages, of each page's
// median time, in milliseconds.
func timing(times [][]time.Duration) (median, p95 float64) {
	per := make([]time.Duration, len(times))
	for i, ts := range times {
		ts = slices.Clone(ts)
		slices.Sort(ts)
		per[i] = ts[len(ts)/2]
	}
	slices.Sort(per)
	ms := func(q float64) float64 {
		return float64(per[min(len(per)-1, int(q*float64(len(per))))].Microseconds()) / 1000
	}
	return ms(0.5), ms(0.95)
}

func gunzip(path string) []byte {
	f, err := os.Open(path)
	check(err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	check(err)
	data, err := io.ReadAll(zr)
	check(err)
	return data
}

func writeJSON(path string, v any) {
	data, err := json.MarshalIndent(v, "", " ")
	check(err)
	check(os.WriteFile(path, data, 0o644))
}

func check(err error) {
	if err != nil {
		fatal("%v", err)
	}
}

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench/extract: "+format+"\n", args...)
	os.Exit(1)
}
