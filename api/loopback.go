package api

import "net"

// Loopback reports whether host (a name or an IP, without a port) names only this machine. Plain
// HTTP carries the bearer token and every PIN in clear, so the server listens on it and the client
// sends over it only when the host is loopback, unless told otherwise in so many words. A host name
// other than localhost might resolve anywhere, so it is not loopback; neither is an empty host,
// which to a listener means every interface.
func Loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
