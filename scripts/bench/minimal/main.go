// Command minimal is the ceiling that scripts/bench-http.sh measures pindesk serve against: the
// least an HTTP JSON endpoint costs on this machine with net/http. It answers every POST by
// decoding a small JSON body and encoding a small JSON answer, with no database, no auth and no
// lock, so the gap between it and pindesk is pindesk's own work.
//
//	go run ./scripts/bench/minimal --listen 127.0.0.1:0
//
// It prints "minimal: listening on http://ADDR" on standard output once it accepts connections
// (port 0 picks a free one), and stops on SIGINT or SIGTERM.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// request and answer have the shape of a verification, so both sides of the exchange carry about
// the bytes pindesk's do.
type request struct {
	PIN     string `json:"pin"`
	Channel string `json:"channel"`
}

type answer struct {
	Outcome string `json:"outcome"`
	Channel string `json:"channel"`
}

func handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	var req request
	// A body that does not decode is answered 400, so a load script sending the wrong thing
	// shows up as non-2xx here too rather than as a fast ceiling.
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil || req.PIN == "" {
		http.Error(w, "a JSON body with a pin", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(answer{Outcome: "verified", Channel: req.Channel})
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "host:port to listen on (port 0: a free one)")
	flag.Parse()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "minimal:", err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: http.HandlerFunc(handle), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	fmt.Printf("minimal: listening on http://%s\n", ln.Addr())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "minimal:", err)
		os.Exit(1)
	}
}
