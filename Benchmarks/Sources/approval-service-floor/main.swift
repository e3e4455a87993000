// approval-service-floor: the yardstick for the decision service's throughput (Benchmarks/run.sh,
// section 7). The same Hummingbird 2 server as `approvalctl serve`, with one route that does what
// every decision request must do and nothing more: read the body, parse it with jansson (as the
// service does, with the snapshot limits), and answer a fixed small JSON object.
//
//   approval-service-floor --port 0     prints "listening on http://127.0.0.1:PORT"; SIGTERM stops it

import ApprovalJSON
import ApprovalRules
import Hummingbird
import Logging
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

struct FloorResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    func respond(to request: Request, context: Context) async throws -> Response {
        let buffer = try await request.body.collect(upTo: Limits.default.snapshotBytes)
        // Parsed as the service parses requests (in the thread's arena), with no projection.
        let parsed = try? JSONParser(options: ApprovalSnapshot.arenaParserOptions).parse(
            Array(buffer.readableBytesView))
        let body = parsed == nil ? "{\"ok\":false}\n" : "{\"ok\":true}\n"
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}

var port = 0
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    if argument == "--port", let value = arguments.popFirst().flatMap({ Int($0) }) {
        port = value
    } else {
        let usage = Array("usage: approval-service-floor [--port N]\n".utf8)
        _ = usage.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        exit(64)
    }
}
let logger = Logger(label: "approval-service-floor", factory: { _ in SwiftLogNoOpLogHandler() })
let app = Application(
    responder: FloorResponder(),
    configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: port), serverName: nil),
    onServerRunning: { channel in
        let line = Array("listening on http://127.0.0.1:\(channel.localAddress?.port ?? 0)\n".utf8)
        _ = line.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
    },
    logger: logger)
try await app.runService()
