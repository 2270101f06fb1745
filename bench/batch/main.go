// Command batch benchmarks `digest batch`: it serves N local article pages
// and a fake OpenAI-compatible model with a fixed latency per request
// (optionally answering 429 to a share of requests), runs the real digest
// binary over them and prints the wall time against the ideal
// N × latency / jobs and the child's peak RSS.
//
//	go run ./bench/batch                   # 200 pages, 300 ms, -j 16, then the 429 mode
//	go run ./bench/batch -mode 429 -n 500
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/digest-tool/digest/internal/fakeopenai"
	"github.com/digest-tool/digest/internal/testpages"
	"github.com/digest-tool/digest/prompt"
)

func main() {
	n := flag.Int("n", 200, "pages")
	jobs := flag.Int("j", 16, "digest batch -j")
	latency := flag.Duration("latency", 300*time.Millisecond, "model latency per request")
	share := flag.Float64("429", 0.3, "share of requests answered 429 in the 429 mode")
	retryMs := flag.Int("retry-after-ms", 250, "retry-after-ms sent with each 429")
	mode := flag.String("mode", "both", "plain | 429 | both")
	bin := flag.String("bin", "", "digest binary (default: build ./cmd/digest)")
	keep := flag.Bool("keep", false, "keep the workspace")
	retries := flag.Int("max-retries", -1, "model.max_retries for digest (-1: its default)")
	serveOnly := flag.Bool("serve", false, "only serve the pages and the model, printing their URLs, until killed")
	flag.Parse()

	pages := serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var i int
		if _, err := fmt.Sscanf(r.URL.Path, "/p/%d", &i); err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, testpages.Article(i, 8))
	}))

	if *serveOnly {
		fmt.Printf("pages %s/p/<n>\nmodel %s/v1\n", pages, serve(&model{latency: *latency}))
		select {}
	}
	if *bin == "" {
		dir, err := os.MkdirTemp("", "digest-bench-bin-")
		check(err)
		defer os.RemoveAll(dir)
		*bin = filepath.Join(dir, "digest")
		out, err := exec.Command("go", "build", "-o", *bin, "./cmd/digest").CombinedOutput()
		if err != nil {
			fmt.Fprintf(os.Stderr, "go build (run from the repository root): %v\n%s", err, out)
			os.Exit(1)
		}
	}
	ok := true
	if *mode == "plain" || *mode == "both" {
		ok = run(*bin, pages, *n, *jobs, *retries, &model{latency: *latency}, *keep) && ok
	}
	if *mode == "429" || *mode == "both" {
		ok = run(*bin, pages, *n, *jobs, *retries, &model{latency: *latency, share429: *share, retryMs: *retryMs}, *keep) && ok
	}
	if !ok {
		os.Exit(1)
	}
}

// run runs one batch and prints its numbers; false when a link failed.
func run(bin, pages string, n, jobs, retries int, m *model, keep bool) bool {
	ws, err := os.MkdirTemp("", "digest-bench-ws-")
	check(err)
	if !keep {
		defer os.RemoveAll(ws)
	}
	var list strings.Builder
	for i := range n {
		fmt.Fprintf(&list, "%s/p/%d\n", pages, i)
	}
	listPath := filepath.Join(ws, "links.txt")
	check(os.WriteFile(listPath, []byte(list.String()), 0o644))
	modelURL := serve(m)

	cmd := exec.Command(bin, "-C", ws, "batch", listPath, "-j", fmt.Sprint(jobs), "--json")
	cmd.Env = []string{"HOME=" + ws, "XDG_CONFIG_HOME=" + filepath.Join(ws, "xdg"), "PATH=" + os.Getenv("PATH"),
		"OPENAI_BASE_URL=" + modelURL + "/v1", "OPENAI_API_KEY=sk-bench"}
	if retries >= 0 {
		cmd.Env = append(cmd.Env, fmt.Sprintf("DIGEST_MODEL_MAX_RETRIES=%d", retries))
	}
	stdout, err := os.Create(filepath.Join(ws, "results.jsonl"))
	check(err)
	defer stdout.Close()
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		check(err)
	}
	var rssKB int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rssKB = ru.Maxrss // kilobytes on Linux
	}
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	drafts, _ := filepath.Glob(filepath.Join(ws, "drafts", "*.json"))
	statuses := map[string]int{}
	b, _ := os.ReadFile(stdout.Name())
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var r struct{ Status string }
		if json.Unmarshal([]byte(line), &r) == nil {
			statuses[r.Status]++
		}
	}

	ideal := time.Duration(float64(n) * float64(m.latency) / float64(jobs))
	rounds := time.Duration(math.Ceil(float64(n)/float64(jobs))) * m.latency
	name := "plain"
	if m.share429 > 0 {
		name = fmt.Sprintf("429 on %.0f%% of requests (retry-after-ms %d)", m.share429*100, m.retryMs)
	}
	fmt.Printf("== %s: %d pages, model latency %s, -j %d\n", name, n, m.latency, jobs)
	fmt.Printf("wall time     %s\n", wall.Round(time.Millisecond))
	fmt.Printf("ideal         %s (N × latency / j; %s in whole rounds of j)   ratio %.3f\n", ideal, rounds, float64(wall)/float64(ideal))
	fmt.Printf("peak RSS      %.1f MB\n", float64(rssKB)/1024)
	fmt.Printf("CPU time      %s (user+system of digest; the machine has %d CPUs)\n", cpu.Round(time.Millisecond), runtime.NumCPU())
	fmt.Printf("exit code     %d; results %v; drafts %d\n", code, statuses, len(drafts))
	fmt.Printf("model         %d requests, %d answered 429; first request %s after start, last answer %s before the end\n",
		m.requests.Load(), m.got429.Load(), time.Unix(0, m.first.Load()).Sub(start).Round(time.Millisecond), start.Add(wall).Sub(time.Unix(0, m.last.Load())).Round(time.Millisecond))
	if keep {
		fmt.Printf("workspace     %s\n", ws)
	}
	if code != 0 || len(drafts) != n {
		fmt.Printf("stderr:\n%s\n", stderr.String())
		return false
	}
	return true
}

// model is a fake OpenAI-compatible chat completions endpoint: every
// answer is the valid default of internal/fakeopenai, after latency.
type model struct {
	latency  time.Duration
	share429 float64
	retryMs  int

	requests, got429 atomic.Int64
	first, last      atomic.Int64 // unix nanoseconds of the first request and the last answer
}

func (m *model) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.requests.Add(1)
	m.first.CompareAndSwap(0, time.Now().UnixNano())
	defer func() { m.last.Store(time.Now().UnixNano()) }()
	var in struct {
		Model    string `json:"model"`
		Messages []struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"messages"`
		ResponseFormat *struct {
			Type       string `json:"type"`
			JSONSchema *struct {
				Schema json.RawMessage `json:"schema"`
			} `json:"json_schema"`
		} `json:"response_format"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if m.share429 > 0 && rand.Float64() < m.share429 {
		m.got429.Add(1)
		w.Header().Set("Retry-After-Ms", fmt.Sprint(m.retryMs))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}`)
		return
	}
	time.Sleep(m.latency)
	req := fakeopenai.Request{Model: in.Model}
	for _, msg := range in.Messages {
		req.Messages = append(req.Messages, fakeopenai.Message{Role: msg.Role, Content: msg.Content})
	}
	if f := in.ResponseFormat; f != nil {
		req.ResponseFormat = f.Type
		if f.JSONSchema != nil {
			req.Schema = f.JSONSchema.Schema
		}
	}
	content := fakeopenai.Answer(req)
	promptTok := 0
	for _, msg := range req.Messages {
		promptTok += 3 + prompt.EstimateTokens(msg.Content)
	}
	completion := prompt.EstimateTokens(content)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"id": "chatcmpl-bench", "object": "chat.completion", "created": time.Now().Unix(), "model": in.Model,
		"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": content}}},
		"usage": map[string]any{"prompt_tokens": promptTok, "completion_tokens": completion, "total_tokens": promptTok + completion},
	})
}

// serve starts h on a loopback port and returns its base URL.
func serve(h http.Handler) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	go http.Serve(l, h)
	return "http://" + l.Addr().String()
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
