package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

// runHealth asks a running server whether it is ready, for container
// health checks, which have no curl in the image: exit 0 on 200 from
// /readyz, 1 otherwise.
func runHealth(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("health", "health [--url URL] [--timeout D]", stderr)
	url := fs.String("url", "", "the readiness endpoint (default http://127.0.0.1:<port of FRONTDOOR_ADDR>/readyz)")
	timeout := fs.Duration("timeout", 2*time.Second, "how long to wait for the answer")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *url == "" {
		addr := Defaults().Addr
		if v, ok := os.LookupEnv("FRONTDOOR_ADDR"); ok {
			addr = v
		}
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			return fmt.Errorf("FRONTDOOR_ADDR %q: want host:port or :port", addr)
		}
		*url = "http://" + net.JoinHostPort("127.0.0.1", port) + "/readyz"
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return fmt.Errorf("--url %q: %w", *url, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("not ready: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("not ready: %s %s", resp.Status, body)
	}
	fmt.Fprintln(stdout, "ready")
	return nil
}
