import ApprovalJSON
import Logging
import Synchronization

@testable import ApprovalClient

/// Paths of the recorded payloads in `Fixtures/`.
enum Fixtures {
    static let directory: String = {
        var path = #filePath
        // .../Tests/ApprovalClientTests/Support/TestSupport.swift -> .../Tests/ApprovalClientTests/Fixtures
        for _ in 0..<2 { path = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)]) }
        return path + "/Fixtures"
    }()

    static var simData: String { directory + "/sim-data" }

    static func bytes(_ name: String) throws -> [UInt8] {
        try FileBytes.read(directory + "/responses/" + name, limit: 1 << 20)
    }

    static func json(_ name: String) throws -> JSONValue {
        try JSONParser().parse(try bytes(name), file: name)
    }
}

/// A transport answering from a closure, recording every request it sees.
struct MockTransport: HTTPTransport {
    typealias Handler = @Sendable (HTTPRequest, [UInt8]?) async throws -> (HTTPResponse, [UInt8])

    let recorder = Recorder<HTTPRequest>()
    let handler: Handler

    init(_ handler: @escaping Handler) { self.handler = handler }

    /// Always the same answer.
    init(status: Int, body: [UInt8], headers: HTTPHeaders = HTTPHeaders()) {
        self.init { _, _ in (HTTPResponse(status: status, headers: headers), body) }
    }

    /// Answers by path (without query); 404 for anything else.
    static func routes(_ routes: [String: (Int, [UInt8])]) -> MockTransport {
        MockTransport { request, _ in
            guard let (status, body) = routes[request.path] else {
                return (HTTPResponse(status: 404), Array(#"{"detail":"Not Found"}"#.utf8))
            }
            return (HTTPResponse(status: status), body)
        }
    }

    func send(_ request: HTTPRequest, body: [UInt8]?) async throws -> (HTTPResponse, [UInt8]) {
        recorder.append(request)
        return try await handler(request, body)
    }

    var requests: [HTTPRequest] { recorder.values }
}

/// A thread-safe list.
final class Recorder<Value: Sendable>: Sendable {
    private let storage = Mutex<[Value]>([])
    func append(_ value: Value) { storage.withLock { $0.append(value) } }
    var values: [Value] { storage.withLock { $0 } }
    var count: Int { storage.withLock { $0.count } }
}

/// A clock that only moves when told to: sleeping advances it at once and records the wait.
final class ManualClock: Sendable {
    private let state = Mutex<(now: Duration, sleeps: [Duration])>((.zero, []))

    var now: Duration { state.withLock { $0.now } }
    var sleeps: [Duration] { state.withLock { $0.sleeps } }

    func advance(by duration: Duration) { state.withLock { $0.now += duration } }

    var retryClock: RetryClock {
        RetryClock(
            now: { self.now },
            sleep: { duration in
                self.state.withLock { state in
                    state.sleeps.append(duration)
                    state.now += duration
                }
            })
    }
}

/// Captures every log line (message and metadata) for assertions.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    var all: [String] { lines.withLock { $0 } }
    var text: String { all.joined(separator: "\n") }

    func logger(level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: "test") { _ in Handler(capture: self) }
        logger.logLevel = level
        return logger
    }

    fileprivate func append(_ line: String) { lines.withLock { $0.append(line) } }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            let rendered = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            capture.append("\(event.level) \(event.message) \(rendered)")
        }
    }
}

extension Array where Element == UInt8 {
    init(_ text: String) { self = Array(text.utf8) }
}

/// A client over `transport` with no retries and a silent logger, unless told otherwise.
func makeClient(
    _ transport: any HTTPTransport, apiKey: String? = "test-key-123", middlewares: [any HTTPMiddleware] = [],
    logger: Logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
) -> APIClient {
    APIClient(
        baseURL: "http://127.0.0.1:9/", apiKey: apiKey, transport: transport, middlewares: middlewares, logger: logger)
}
