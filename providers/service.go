package providers

import (
	"context"

	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// The go-plugin handshake every provider answers: a provider started by subnetd finds
// MagicCookieKey=MagicCookieValue in its environment and prints
// "1|<ProtocolVersion>|tcp|<addr>|grpc" on stdout.
const (
	// ProtocolVersion is the provider protocol's version (go-plugin's application version).
	ProtocolVersion = 1
	// MagicCookieKey is the environment variable a started provider finds.
	MagicCookieKey = "SUBNETD_PROVIDER"
	// MagicCookieValue is its value.
	MagicCookieValue = "features-v1"
	// PluginName is the name the provider is dispensed under.
	PluginName = "provider"
	// FeaturesMethod is the gRPC method's full name.
	FeaturesMethod = "/subnetd.provider.v1.Provider/Features"
)

// Handshake is the go-plugin handshake of providers.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   MagicCookieKey,
	MagicCookieValue: MagicCookieValue,
}

// Func computes features: given the Round JSON (as the scorer sees it, without state), it
// returns the answer JSON {"features":{"<uid>":<JSON or null>,…}}.
type Func func(ctx context.Context, round []byte) ([]byte, error)

// featuresServer is the service's server side, for grpc.ServiceDesc.
type featuresServer interface {
	features(ctx context.Context, round []byte) ([]byte, error)
}

type funcServer struct{ f Func }

func (s funcServer) features(ctx context.Context, round []byte) ([]byte, error) {
	return s.f(ctx, round)
}

// serviceDesc describes subnetd.provider.v1.Provider (providers/proto/provider.proto) by hand:
// one unary method whose messages are google.protobuf.BytesValue, so no generated code is needed
// on either side.
var serviceDesc = grpc.ServiceDesc{
	ServiceName: "subnetd.provider.v1.Provider",
	HandlerType: (*featuresServer)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Features",
		Handler: func(srv any, ctx context.Context, dec func(any) error, intercept grpc.UnaryServerInterceptor) (any, error) {
			in := new(wrapperspb.BytesValue)
			if err := dec(in); err != nil {
				return nil, err
			}
			call := func(ctx context.Context, req any) (any, error) {
				out, err := srv.(featuresServer).features(ctx, req.(*wrapperspb.BytesValue).GetValue())
				if err != nil {
					return nil, err
				}
				return wrapperspb.Bytes(out), nil
			}
			if intercept == nil {
				return call(ctx, in)
			}
			return intercept(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: FeaturesMethod}, call)
		},
	}},
	Metadata: "provider.proto",
}

// client calls the Features method on a connection.
type client struct{ conn grpc.ClientConnInterface }

// features sends round and returns the answer bytes; maxBytes caps what gRPC accepts.
func (c client) features(ctx context.Context, round []byte, maxBytes int) ([]byte, error) {
	out := new(wrapperspb.BytesValue)
	// A BytesValue adds at most 6 bytes of framing to the JSON it holds.
	if err := c.conn.Invoke(ctx, FeaturesMethod, wrapperspb.Bytes(round), out, grpc.MaxCallRecvMsgSize(maxBytes+16)); err != nil {
		return nil, err
	}
	return out.GetValue(), nil
}

// grpcPlugin is the go-plugin plugin.GRPCPlugin of providers (both sides).
type grpcPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	impl Func
}

// GRPCServer registers the provider's service (the plugin side).
func (p *grpcPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	s.RegisterService(&serviceDesc, funcServer{p.impl})
	return nil
}

// GRPCClient returns the host side's client over the plugin's connection.
func (p *grpcPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return client{conn: c}, nil
}
