import ApprovalJSON

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

    /// Whether a query parameter's value grants access (a signature, credential or token); the
    /// list is shared with the engine (``SecretRedaction``).
    public static func isSensitiveParameter(_ name: String) -> Bool {
        SecretRedaction.isSensitiveParameter(name)
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
            if items.contains(where: { $0.value != nil && isSensitiveParameter($0.name) }) {
                parts.query = items.map { item in
                    guard let value = item.value else { return item.name }
                    return item.name + "=" + (isSensitiveParameter(item.name) ? placeholder : value)
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
        SecretRedaction.text(text, secrets: secrets)
    }
}
