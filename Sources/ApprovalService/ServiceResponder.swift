import ApprovalJSON
import ApprovalRules
import Crypto
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// What a route handler learns about its request, for the request's log line.
struct RequestNotes: Sendable {
    var taskID: String?
    var ruleSetHash: String?
}

/// One route: a method and a path template (`{task_id}` matches one segment).
struct Route: Sendable {
    typealias Handler =
        @Sendable (DecisionService, Request, [String: String], inout RequestNotes) async throws(ServiceError) ->
        Response

    let method: HTTPRequest.Method
    let template: String
    /// Open routes need no token (the load balancer's probes).
    let open: Bool
    let handler: Handler
    /// The template's segments, split once.
    private let parts: [Substring]

    init(method: HTTPRequest.Method, template: String, open: Bool, handler: @escaping Handler) {
        self.method = method
        self.template = template
        self.open = open
        self.handler = handler
        parts = template.split(separator: "/")
    }

    /// The path's parameters when it matches the template's segments.
    func match(_ segments: [Substring]) -> [String: String]? {
        guard parts.count == segments.count else { return nil }
        var parameters: [String: String] = [:]
        for (part, segment) in zip(parts, segments) {
            if part.hasPrefix("{") && part.hasSuffix("}") {
                parameters[String(part.dropFirst().dropLast())] = String(segment)
            } else if part != segment {
                return nil
            }
        }
        return parameters
    }
}

/// Routes every request: finds its route (404 for an unknown path, 405 for a known path with
/// another method), checks the token, runs the handler, and logs and counts the exchange.
struct ServiceResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let service: DecisionService

    static let routes: [Route] = DecisionRoutes.routes + RuleSetRoutes.routes + OperationalRoutes.routes

    func respond(to request: Request, context: Context) async throws -> Response {
        let started = ContinuousClock.now
        let path = request.uri.path
        let segments = path.split(separator: "/")
        var notes = RequestNotes()
        var template = "unmatched"
        let response: Response
        do throws(ServiceError) {
            var found: (Route, [String: String])?
            var allowed: [HTTPRequest.Method] = []  // the methods of the routes of this path, until found
            for route in Self.routes {
                guard let parameters = route.match(segments) else { continue }
                if route.method == request.method {
                    found = (route, parameters)
                    break
                }
                if allowed.isEmpty { template = route.template }
                allowed.append(route.method)
            }
            guard let (route, parameters) = found else {
                if allowed.isEmpty { throw .notFound(path) }
                throw .methodNotAllowed(request.method, path, allowed: allowed)
            }
            template = route.template
            if !route.open { try authorize(request) }
            response = try await route.handler(service, request, parameters, &notes)
        } catch {
            response = error.response
        }
        let elapsed = ContinuousClock.now - started
        service.metrics.request(route: template, status: response.status.code)
        // The metadata is built only when the line is logged (an autoclosure): not at all above info.
        service.logger.info(
            "request",
            metadata: Self.metadata(request.method, template, response.status.code, elapsed, notes))
        return response
    }

    /// The request's log line: method, route template, status, duration, task id, rule-set hash.
    private static func metadata(
        _ method: HTTPRequest.Method, _ template: String, _ status: Int, _ elapsed: Duration, _ notes: RequestNotes
    ) -> Logger.Metadata {
        // Milliseconds with three decimals (microseconds), written with integers.
        let microseconds = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        let fraction = String(microseconds % 1000)
        let milliseconds =
            String(microseconds / 1000) + "." + String(repeating: "0", count: 3 - fraction.count) + fraction
        // Room for all six from the start: a literal's four and two more would grow and rehash it.
        var metadata = Logger.Metadata(minimumCapacity: 6)
        metadata["http.method"] = .string(method.rawValue)
        metadata["http.route"] = .string(template)
        metadata["http.status"] = .string(String(status))
        metadata["duration_ms"] = .string(milliseconds)
        if let task = notes.taskID { metadata["task_id"] = .string(task) }
        if let hash = notes.ruleSetHash { metadata["rule_set.hash"] = .string(hash) }
        return metadata
    }

    /// Checks `Authorization: Bearer <token>` when a token is set, comparing SHA-256 digests
    /// (swift-crypto compares digests in constant time, and the digests hide the token's length).
    private func authorize(_ request: Request) throws(ServiceError) {
        guard let expected = service.tokenDigest else { return }
        let header = request.headers[.authorization] ?? ""
        let prefix = "Bearer "
        guard header.hasPrefix(prefix), SHA256.hash(data: Array(header.dropFirst(prefix.count).utf8)) == expected else {
            throw ServiceError(
                status: .unauthorized, code: "unauthorized",
                message: header.isEmpty ? "this route needs Authorization: Bearer <token>" : "the token is not valid",
                headers: [.wwwAuthenticate: "Bearer"])
        }
    }
}

// MARK: - Helpers for handlers

extension Request {
    /// The body, read up to `limit` bytes after checking its content type.
    ///
    /// - Throws: 415 when the content type is not `mediaType`, 413 when the body is over `limit`.
    func bytes(as mediaType: String, limit: Int) async throws(ServiceError) -> [UInt8] {
        try checkContentType(mediaType)
        do {
            let buffer = try await body.collect(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch {
            throw .tooLarge(limit: limit)
        }
    }

    /// Checks the `Content-Type` (its parameters, e.g. `charset=utf-8`, allowed; case and blanks
    /// around the type ignored). Compares bytes: it runs on every request.
    func checkContentType(_ mediaType: String) throws(ServiceError) {
        let given = headers[.contentType]
        guard let given, Self.isMediaType(given, mediaType) else {
            throw .unsupportedMediaType(expected: mediaType, got: given)
        }
    }

    /// Whether the media type of a `Content-Type` value (before any `;`) is `expected` (lowercase).
    static func isMediaType(_ value: String, _ expected: String) -> Bool {
        var value = value
        var expected = expected
        return value.withUTF8 { given in
            expected.withUTF8 { wanted in
                var at = 0
                for byte in given {
                    if byte == UInt8(ascii: ";") { break }
                    if byte == 0x20 || byte == 0x09 { continue }
                    let lower = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
                    guard at < wanted.count, wanted[at] == lower else { return false }
                    at += 1
                }
                return at == wanted.count
            }
        }
    }

    /// A query parameter (`nil` at once when the URI has no query).
    func query(_ name: String) -> String? {
        guard uri.query != nil else { return nil }
        return uri.queryParameters[name[...]].map(String.init)
    }
}

extension Response {
    /// A JSON response: pretty, newline-terminated (as `approvalctl` prints JSON).
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var bytes = JSONWriter.pretty.bytes(value)
        bytes.append(0x0A)
        return Response.bytes(bytes, type: "application/json", status: status, headers: headers)
    }

    /// A response with these bytes and content type.
    static func bytes(
        _ bytes: [UInt8], type: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]
    ) -> Response {
        var headers = headers
        headers[.contentType] = type
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
