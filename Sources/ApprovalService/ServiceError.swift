import ApprovalJSON
import HTTPTypes
import Hummingbird
import NIOCore

/// Every failure the service answers with, in one place: an HTTP status and a JSON body
/// `{"code": ..., "message": ..., ...}` (as the CLI has one exit-code table).
struct ServiceError: Error, Sendable {
    /// The HTTP status.
    var status: HTTPResponse.Status
    /// A stable snake_case code.
    var code: String
    /// What went wrong, in a sentence (never a secret).
    var message: String
    /// More fields for the body (line, column, byte_offset, ...).
    var fields: [(String, JSONValue)] = []
    /// Extra response headers (`Allow`, `WWW-Authenticate`, `Retry-After`).
    var headers: HTTPFields = [:]

    /// The JSON body.
    var json: JSONValue {
        var object = JSONObject()
        object["code"] = .string(code)
        object["message"] = .string(message)
        for (key, value) in fields { object[key] = value }
        return .object(object)
    }

    /// The response.
    var response: Response { .json(json, status: status, headers: headers) }

    static func notFound(_ path: String) -> ServiceError {
        ServiceError(status: .notFound, code: "not_found", message: "no route \(path)")
    }

    static func methodNotAllowed(_ method: HTTPRequest.Method, _ path: String, allowed: [HTTPRequest.Method])
        -> ServiceError
    {
        ServiceError(
            status: .methodNotAllowed, code: "method_not_allowed",
            message:
                "\(method.rawValue) is not allowed on \(path); use \(allowed.map(\.rawValue).joined(separator: ", "))",
            headers: [.allow: allowed.map(\.rawValue).joined(separator: ", ")])
    }

    static func unsupportedMediaType(expected: String, got: String?) -> ServiceError {
        ServiceError(
            status: .unsupportedMediaType, code: "unsupported_media_type",
            message: "the body must be \(expected)\(got.map { " (got \($0))" } ?? " (no Content-Type given)")")
    }

    static func tooLarge(limit: Int) -> ServiceError {
        ServiceError(
            status: .contentTooLarge, code: "body_too_large", message: "the body is over the limit of \(limit) bytes",
            fields: [("limit", .integer(Int64(limit)))])
    }

    static func badQuery(_ message: String) -> ServiceError {
        ServiceError(status: .badRequest, code: "invalid_query", message: message)
    }

    static let notReady = ServiceError(
        status: .serviceUnavailable, code: "not_ready", message: "no rule set is loaded yet")

    /// A body the engine could not read: 400 with where (line, column, byte offset, pointer).
    static func unreadable(_ error: JSONError) -> ServiceError {
        var fields: [(String, JSONValue)] = []
        fields.append(("json_code", .string(error.code.description)))
        fields.append(("line", error.location.map { .integer(Int64($0.line)) } ?? .null))
        fields.append(("column", error.location.map { .integer(Int64($0.column)) } ?? .null))
        fields.append(("byte_offset", error.location.map { .integer(Int64($0.byteOffset)) } ?? .null))
        fields.append(("path", error.path.map { .string($0.description) } ?? .null))
        let status: HTTPResponse.Status = error.code == .tooLarge ? .contentTooLarge : .badRequest
        return ServiceError(
            status: status, code: error.code == .tooLarge ? "body_too_large" : "invalid_json", message: error.message,
            fields: fields)
    }
}
