// pacer: an evenly paced gRPC load generator for the benchmark's fixed-rate rows. h2load's rate
// mode and a Node generator could not hold the rates evenly on a shared core; this sends request i
// at start + i/rate over h2c connections, each call in its own goroutine, and measures every call
// from the moment it was due (so a late send counts against the server, not for it).
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

type headerFlags []string

func (h *headerFlags) String() string     { return strings.Join(*h, ", ") }
func (h *headerFlags) Set(v string) error { *h = append(*h, v); return nil }

func main() {
	url := flag.String("url", "", "the method's URL, http://host:port/package.Service/Method")
	bodyFile := flag.String("body", "", "file holding one gRPC-framed request")
	rate := flag.Float64("rate", 1000, "requests per second")
	total := flag.Int("n", 1000, "requests to send")
	conns := flag.Int("c", 4, "HTTP/2 connections")
	inFlight := flag.Int("m", 64, "calls in flight at most; a call due when all are taken waits (and counts its wait)")
	var headers headerFlags
	flag.Var(&headers, "H", "a request header, name: value (repeatable)")
	flag.Parse()
	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	clients := make([]*http.Client, *conns)
	for i := range clients {
		protocols := new(http.Protocols)
		protocols.SetUnencryptedHTTP2(true)
		clients[i] = &http.Client{Transport: &http.Transport{Protocols: protocols}, Timeout: 30 * time.Second}
	}
	latencies := make([]time.Duration, *total)
	failed := make([]bool, *total)
	slots := make(chan struct{}, *inFlight)
	var wg sync.WaitGroup
	interval := time.Duration(float64(time.Second) / *rate)
	start := time.Now()
	for i := 0; i < *total; i++ {
		due := start.Add(time.Duration(i) * interval)
		if wait := time.Until(due); wait > 0 {
			time.Sleep(wait)
		}
		slots <- struct{}{}
		wg.Add(1)
		go func(i int, due time.Time) {
			defer wg.Done()
			defer func() { <-slots }()
			ok := call(clients[i%len(clients)], *url, body, headers)
			latencies[i] = time.Since(due)
			failed[i] = !ok
		}(i, due)
	}
	wg.Wait()
	elapsed := time.Since(start)
	failures := 0
	for _, f := range failed {
		if f {
			failures++
		}
	}
	sort.Slice(latencies, func(a, b int) bool { return latencies[a] < latencies[b] })
	at := func(q float64) float64 {
		return float64(latencies[min(len(latencies)-1, int(q*float64(len(latencies))))]) / 1e6
	}
	json.NewEncoder(os.Stdout).Encode(map[string]any{
		"rps": float64(*total) / elapsed.Seconds(), "failed": failures, "p50Ms": at(0.5), "p99Ms": at(0.99),
	})
}

// call sends one request and says whether it ended with grpc-status 0.
func call(client *http.Client, url string, body []byte, headers []string) bool {
	req, err := http.NewRequest("POST", url, bytes.NewReader(body))
	if err != nil {
		return false
	}
	req.Header.Set("content-type", "application/grpc")
	req.Header.Set("te", "trailers")
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	res, err := client.Do(req)
	if err != nil {
		return false
	}
	defer res.Body.Close()
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		return false
	}
	return res.StatusCode == 200 && res.Trailer.Get("grpc-status") == "0"
}
