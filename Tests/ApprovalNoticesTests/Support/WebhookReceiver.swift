import ApprovalJSON
import ApprovalNotices
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A webhook receiver on a loopback port, for the delivery tests: it checks each request's
/// signature, records it, and answers as told (a status, a `Retry-After`, a slow answer).
final class WebhookReceiver: Sendable {
    /// How to answer one request.
    enum Answer: Sendable {
        case status(Int, retryAfter: Int? = nil)
        /// Wait this long, then answer 200 (a timeout when longer than the deliverer's).
        case slow(Duration)
        /// 302 to another path of this receiver (which must never be asked).
        case redirect
    }

    /// One request as received.
    struct Delivery: Sendable {
        let path: String
        let idempotencyKey: String?
        let signatureValid: Bool
        let body: JSONValue
        let bodyBytes: [UInt8]
        let headers: [String: String]

        var id: String? { body["id"]?.string }
    }

    private struct State {
        var deliveries: [Delivery] = []
        /// Answers for the next requests, in order (then `fallback`).
        var script: [Answer] = []
        var fallback: Answer = .status(200)
        /// Answers by notice id, every time (over `script`).
        var byNotice: [String: Answer] = [:]
        var group: ServiceGroup?
        var port = 0
    }

    private let state = Mutex(State())
    let secret: [UInt8]
    /// Per request, on top of any answer (to make kills land mid-flight).
    let delay: Duration

    init(secret: String, delay: Duration = .zero) {
        self.secret = Array(secret.utf8)
        self.delay = delay
    }

    var port: Int { state.withLock { $0.port } }
    var url: String { "http://127.0.0.1:\(port)/hook" }
    var deliveries: [Delivery] { state.withLock { $0.deliveries } }

    func script(_ answers: [Answer]) { state.withLock { $0.script = answers } }
    func answer(_ answer: Answer) { state.withLock { $0.fallback = answer } }
    func answer(_ answer: Answer, forNotice id: String) { state.withLock { $0.byNotice[id] = answer } }

    /// Starts listening (on `port`, or a free one) and returns once it accepts connections.
    func start(port requested: Int = 0) async throws {
        let listening = AsyncStream<Int>.makeStream()
        let app = Application(
            responder: Responder(receiver: self),
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: requested), serverName: nil),
            onServerRunning: { channel in
                listening.continuation.yield(channel.localAddress?.port ?? 0)
                listening.continuation.finish()
            },
            logger: Logger(label: "webhook-receiver", factory: { _ in SwiftLogNoOpLogHandler() }))
        var configuration = ServiceGroupConfiguration(
            services: [app], gracefulShutdownSignals: [],
            logger: Logger(label: "webhook-receiver", factory: { _ in SwiftLogNoOpLogHandler() }))
        configuration.maximumGracefulShutdownDuration = .milliseconds(250)
        let group = ServiceGroup(configuration: configuration)
        state.withLock { $0.group = group }
        Task { try? await group.run() }
        for await port in listening.stream { state.withLock { $0.port = port } }
    }

    func stop() async {
        let group = state.withLock { state in
            defer { state.group = nil }
            return state.group
        }
        await group?.triggerGracefulShutdown()
        try? await Task.sleep(for: .milliseconds(300))
    }

    fileprivate func receive(path: String, headers: [String: String], body: [UInt8]) -> Answer {
        let parsed = (try? JSONParser().parse(body)) ?? .null
        let valid =
            headers["x-approval-signature"].map {
                WebhookSignature.verify(
                    header: $0, body: body, secret: secret, now: Int64(Date().timeIntervalSince1970))
            } ?? false
        let delivery = Delivery(
            path: path, idempotencyKey: headers["idempotency-key"], signatureValid: valid, body: parsed,
            bodyBytes: body, headers: headers)
        return state.withLock { state in
            state.deliveries.append(delivery)
            if let id = delivery.id, let answer = state.byNotice[id] { return answer }
            if !state.script.isEmpty { return state.script.removeFirst() }
            return state.fallback
        }
    }

    private struct Responder: HTTPResponder {
        typealias Context = BasicRequestContext
        let receiver: WebhookReceiver

        func respond(to request: Request, context: Context) async throws -> Response {
            let buffer = try await request.body.collect(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            if receiver.delay > .zero { try await Task.sleep(for: receiver.delay) }
            let answer = receiver.receive(
                path: request.uri.path, headers: headers, body: Array(buffer.readableBytesView))
            switch answer {
            case .status(let code, let retryAfter):
                var fields: HTTPFields = [:]
                if let retryAfter { fields[.retryAfter] = "\(retryAfter)" }
                return Response(status: .init(code: code), headers: fields)
            case .slow(let duration):
                try await Task.sleep(for: duration)
                return Response(status: .ok)
            case .redirect:
                return Response(status: .found, headers: [.location: "/elsewhere"])
            }
        }
    }
}
