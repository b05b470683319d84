// Command miniredis serves an in-memory Redis (github.com/alicebob/miniredis/v2, the library Argo CD's own
// tests use as their Redis) on a loopback address, for the Argo CD processes of test/argocd-live.test.ts.
// This is the project's own code: the wrapper requires the library at the version Argo CD's go.mod pins.
//
// Usage: REDIS_PASSWORD=<password> miniredis -addr 127.0.0.1:0
// With REDIS_PASSWORD set (the variable Argo CD's components read the password from), clients must AUTH with it.
// It prints "listening on <host:port>" once the listener is open, and serves until SIGTERM or SIGINT.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/alicebob/miniredis/v2"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "loopback address to listen on (port 0: any free port)")
	flag.Parse()
	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "miniredis: -addr %q: %v\n", *addr, err)
		os.Exit(2)
	}
	// Loopback only: the test's Redis holds Argo CD's caches and must not be reachable from the network.
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		fmt.Fprintf(os.Stderr, "miniredis: -addr %q: only a loopback IP address is allowed\n", *addr)
		os.Exit(2)
	}
	m := miniredis.NewMiniRedis()
	if pw := os.Getenv("REDIS_PASSWORD"); pw != "" {
		m.RequireAuth(pw)
	}
	if err := m.StartAddr(*addr); err != nil {
		fmt.Fprintf(os.Stderr, "miniredis: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("listening on %s\n", m.Addr())
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
	m.Close()
}
