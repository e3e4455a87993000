/// Removes secrets from what the client logs, prints or saves: API keys, credential headers and
/// the signature-bearing query parameters of presigned URLs.
///
/// A presigned URL keeps its scheme, host, path and harmless parameters (`X-Amz-Expires`,
/// `X-Amz-Date`) so that a human can still recognise the file; only the values that grant access
/// are replaced by `REDACTED`.
///
/// ```swift
/// Redaction.url("https://s3.example.com/b/contract.pdf?X-Amz-Expires=3600&X-Amz-Signature=abc")
/// // "https://s3.example.com/b/contract.pdf?X-Amz-Expires=3600&X-Amz-Signature=REDACTED"
/// ```
public enum Redaction {
    /// What replaces a secret.
    public static let placeholder = "REDACTED"

    /// Header names whose values are always replaced (compared without case).
    static let sensitiveHeaders: Set<String> = [
        "x-api-key", "authorization", "proxy-authorization", "cookie", "set-cookie",
    ]

    /// Query parameter names whose values are replaced (compared in lower case).
    static let sensitiveParameters: Set<String> = [
        "x-amz-signature", "x-amz-credential", "x-amz-security-token", "x-goog-signature",
        "x-goog-credential", "googleaccessid", "signature", "sig", "token", "access_token", "id_token",
        "refresh_token", "key", "api_key", "apikey", "x-api-key", "policy", "key-pair-id", "secret",
        "client_secret", "password", "sv_sig",
    ]

    /// Whether a query parameter's value grants access (a signature, credential or token).
    public static func isSensitiveParameter(_ name: String) -> Bool {
        let lower = name.lowercased()
        if sensitiveParameters.contains(lower) { return true }
        return lower.contains("signature") || lower.contains("token") || lower.contains("credential")
            || lower.contains("secret") || lower.contains("password")
    }

    /// Whether a header's value must never be shown.
    public static func isSensitiveHeader(_ name: String) -> Bool {
        sensitiveHeaders.contains(name.lowercased())
    }

    /// `url` with the values of sensitive query parameters, and any user information before the
    /// host, replaced by ``placeholder``.
    public static func url(_ url: String) -> String {
        var parts = URLParts(url)
        var changed = false
        if let authority = parts.authority, let at = authority.lastIndex(of: "@") {
            parts.authority = placeholder + authority[at...]
            changed = true
        }
        if parts.query != nil {
            let items = parts.queryItems
            if items.contains(where: { $0.value != nil && isSensitiveParameter(decodedName($0.name)) }) {
                parts.query = items.map { item in
                    guard let value = item.value else { return item.name }
                    return item.name + "=" + (isSensitiveParameter(decodedName(item.name)) ? placeholder : value)
                }.joined(separator: "&")
                changed = true
            }
        }
        return changed ? parts.string : url
    }

    /// The header fields with sensitive values replaced by ``placeholder``.
    public static func headers(_ headers: HTTPHeaders) -> HTTPHeaders {
        HTTPHeaders(headers.fields.map { (name: $0.name, value: isSensitiveHeader($0.name) ? placeholder : $0.value) })
    }

    /// Free text (an error body, a message) with each of `secrets` and every sensitive
    /// `name=value` query parameter replaced by ``placeholder``.
    public static func text(_ text: String, secrets: [String] = []) -> String {
        var result = text
        for secret in secrets where !secret.isEmpty {
            result = result.replacing(secret, with: placeholder)
        }
        return redactQueryParameters(in: result)
    }

    /// Replaces the values of sensitive `?name=value` / `&name=value` pairs found anywhere in
    /// `text` (e.g. presigned URLs quoted inside a JSON body).
    private static func redactQueryParameters(in text: String) -> String {
        let bytes = Array(text.utf8)
        guard bytes.contains(UInt8(ascii: "=")) else { return text }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var at = 0
        let stops: Set<UInt8> = [
            UInt8(ascii: "&"), UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: " "), UInt8(ascii: "<"),
            UInt8(ascii: ">"), UInt8(ascii: "\\"), UInt8(ascii: "#"), 0x0A, 0x0D, 0x09,
        ]
        while at < bytes.count {
            let byte = bytes[at]
            output.append(byte)
            at += 1
            guard byte == UInt8(ascii: "?") || byte == UInt8(ascii: "&") else { continue }
            // Read a parameter name up to "=".
            var end = at
            while end < bytes.count, bytes[end] != UInt8(ascii: "="), !stops.contains(bytes[end]),
                bytes[end] != UInt8(ascii: "?")
            {
                end += 1
            }
            guard end < bytes.count, bytes[end] == UInt8(ascii: "="), end > at else { continue }
            let name = String(decoding: bytes[at..<end], as: UTF8.self)
            guard isSensitiveParameter(decodedName(name)) else { continue }
            output.append(contentsOf: bytes[at...end])
            var valueEnd = end + 1
            while valueEnd < bytes.count, !stops.contains(bytes[valueEnd]) { valueEnd += 1 }
            output.append(contentsOf: placeholder.utf8)
            at = valueEnd
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// A parameter name with `%2D`-style escapes of `-` and `_` undone (enough for matching).
    private static func decodedName(_ name: String) -> String {
        guard name.contains("%") else { return name }
        return name.replacing("%2D", with: "-").replacing("%2d", with: "-").replacing("%5F", with: "_")
            .replacing("%5f", with: "_")
    }
}
