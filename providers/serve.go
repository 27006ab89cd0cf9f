package providers

import (
	plugin "github.com/hashicorp/go-plugin"
)

// Serve runs a provider written in Go: it answers the handshake of the subnetd that started it
// and serves f until subnetd stops it. It never returns. A program that is run by hand (without
// the handshake's environment) prints a message saying it is a subnetd plugin and exits.
//
// f receives the Round JSON (as the scorer sees it, without state) and returns
// {"features":{"<uid>":<JSON or null>,…}} for the uids of the Round's miners.
func Serve(f Func) {
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: Handshake,
		Plugins:         plugin.PluginSet{PluginName: &grpcPlugin{impl: f}},
		GRPCServer:      plugin.DefaultGRPCServer,
	})
}
