"""subnetd feature-provider kit for Python.

A feature provider computes per-miner features that a sandboxed scorer cannot (a model's
output, embeddings, a lookup in a large dataset). subnetd starts it as a plugin process
(hashicorp/go-plugin's protocol for non-Go plugins: a handshake line on stdout, a gRPC server
with the health service) and calls it once per round with the Round as the scorer sees it.

Write one function and hand it to serve():

    import subnetd_provider

    def features(round):                 # round: the Round message as a dict
        return {m["uid"]: {"chars": len(str(m.get("response")))} for m in round["miners"]}

    subnetd_provider.serve(features)

The function returns a dict uid -> any JSON value (None for "no feature"); uids must be those
of the Round's miners. Needs Debian's python3-grpcio (apt-get install python3-grpcio), run with
/usr/bin/python3. Run by hand with --listen HOST:PORT to serve a daemon that reaches the
provider by address instead of starting it.
"""

import json
import os
import sys
from concurrent import futures

import grpc
from google.protobuf import wrappers_pb2

MAGIC_COOKIE_KEY = "SUBNETD_PROVIDER"
MAGIC_COOKIE_VALUE = "features-v1"
PROTOCOL_VERSION = 1
SERVICE = "subnetd.provider.v1.Provider"
MAX_MESSAGE = 256 << 20

# grpc.health.v1.HealthCheckResponse{status: SERVING}, encoded by hand (field 1, varint 1):
# Debian ships no grpc_health module, and the message is two bytes.
_SERVING = b"\x08\x01"


def _answer(fn, request, context):
    try:
        round_ = json.loads(request.value)
        features = fn(round_)
        body = {"features": {str(int(uid)): value for uid, value in features.items()}}
        data = json.dumps(body, separators=(",", ":"), allow_nan=False).encode()
    except Exception as e:  # the host records the failure; one line names it
        context.abort(grpc.StatusCode.INTERNAL, "%s: %s" % (type(e).__name__, e))
    return wrappers_pb2.BytesValue(value=data)


def serve(fn, max_workers=4):
    """Serve fn as a subnetd feature provider until the host stops the process."""
    listen = None
    if "--listen" in sys.argv:
        listen = sys.argv[sys.argv.index("--listen") + 1]
    elif os.environ.get(MAGIC_COOKIE_KEY) != MAGIC_COOKIE_VALUE:
        sys.stderr.write(
            "This is a subnetd feature provider: subnetd starts it (subnets[].providers[].command),\n"
            "or run it with --listen HOST:PORT and give that address to subnetd.\n")
        sys.exit(1)
    options = [("grpc.max_send_message_length", MAX_MESSAGE),
               ("grpc.max_receive_message_length", MAX_MESSAGE)]
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=max_workers), options=options)
    features = grpc.unary_unary_rpc_method_handler(
        lambda req, ctx: _answer(fn, req, ctx),
        request_deserializer=wrappers_pb2.BytesValue.FromString,
        response_serializer=wrappers_pb2.BytesValue.SerializeToString)
    health = grpc.unary_unary_rpc_method_handler(
        lambda req, ctx: _SERVING,
        request_deserializer=lambda b: b,
        response_serializer=lambda b: b)
    server.add_generic_rpc_handlers((
        grpc.method_handlers_generic_handler(SERVICE, {"Features": features}),
        grpc.method_handlers_generic_handler("grpc.health.v1.Health", {"Check": health}),
    ))
    port = server.add_insecure_port(listen or "127.0.0.1:0")
    server.start()
    if listen is None:
        sys.stdout.write("1|%d|tcp|127.0.0.1:%d|grpc\n" % (PROTOCOL_VERSION, port))
        sys.stdout.flush()
    server.wait_for_termination()
