/// Removes the secrets that approval data carries from text that leaves the process: the
/// signature-bearing query parameters of presigned URLs (`X-Amz-Signature`, `X-Amz-Credential`,
/// `Signature`, tokens, ...) and any given secret values such as an API key.
///
/// The rest of a URL stays (scheme, host, path, harmless parameters such as `X-Amz-Expires`), so
/// a person can still recognise the file. Used by the engine for messages, reasons and traces,
/// and by the client for logs, errors and saved snapshots.
///
/// ```swift
/// SecretRedaction.text("https://s3.example.com/c.pdf?X-Amz-Expires=3600&X-Amz-Signature=abc")
/// // "https://s3.example.com/c.pdf?X-Amz-Expires=3600&X-Amz-Signature=REDACTED"
/// ```
package enum SecretRedaction {
    /// What replaces a secret.
    package static let placeholder = "REDACTED"

    private static let sensitiveParameters: Set<String> = [
        "x-amz-signature", "x-amz-credential", "x-amz-security-token", "x-goog-signature",
        "x-goog-credential", "googleaccessid", "signature", "sig", "token", "access_token", "id_token",
        "refresh_token", "key", "api_key", "apikey", "x-api-key", "policy", "key-pair-id", "secret",
        "client_secret", "password", "sv_sig",
    ]

    /// Whether a query parameter's value grants access (a signature, credential or token). The
    /// name may be percent-encoded (`X%2DAmz%2DSignature`).
    package static func isSensitiveParameter(_ name: String) -> Bool {
        let lower = decodedName(name).lowercased()
        if sensitiveParameters.contains(lower) { return true }
        return lower.contains("signature") || lower.contains("token") || lower.contains("credential")
            || lower.contains("secret") || lower.contains("password")
    }

    /// `text` with each of `secrets` and every sensitive `?name=value` / `&name=value` pair found
    /// anywhere in it (e.g. a presigned URL quoted in a message) replaced by ``placeholder``.
    package static func text(_ text: String, secrets: [String] = []) -> String {
        var result = text
        for secret in secrets where !secret.isEmpty {
            result = result.replacing(secret, with: placeholder)
        }
        return redactQueryParameters(in: result)
    }

    private static let stops: Set<UInt8> = [
        UInt8(ascii: "&"), UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: " "), UInt8(ascii: "<"),
        UInt8(ascii: ">"), UInt8(ascii: "\\"), UInt8(ascii: "#"), 0x0A, 0x0D, 0x09,
    ]

    /// Whether text with these UTF-8 bytes may hold a query parameter (`?` or `&`, and `=`), so
    /// that ``text(_:secrets:)`` (with no `secrets`) could change it; text for which this is false
    /// is returned as it is.
    package static func mayNeedRedaction(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        mayHaveParameters(bytes)
    }

    private static func mayHaveParameters(_ bytes: some Sequence<UInt8>) -> Bool {
        var hasEquals = false
        var hasSeparator = false
        for byte in bytes {
            if byte == UInt8(ascii: "=") { hasEquals = true }
            if byte == UInt8(ascii: "?") || byte == UInt8(ascii: "&") { hasSeparator = true }
        }
        return hasEquals && hasSeparator
    }

    private static func redactQueryParameters(in text: String) -> String {
        // Fast exit: no query parameter can be present without both "?" or "&" and "=".
        let candidate =
            text.utf8.withContiguousStorageIfAvailable { mayHaveParameters($0) } ?? mayHaveParameters(text.utf8)
        guard candidate else { return text }
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var at = 0
        while at < bytes.count {
            let byte = bytes[at]
            output.append(byte)
            at += 1
            guard byte == UInt8(ascii: "?") || byte == UInt8(ascii: "&") else { continue }
            var end = at
            while end < bytes.count, bytes[end] != UInt8(ascii: "="), !stops.contains(bytes[end]),
                bytes[end] != UInt8(ascii: "?")
            {
                end += 1
            }
            guard end < bytes.count, bytes[end] == UInt8(ascii: "="), end > at else { continue }
            let name = String(decoding: bytes[at..<end], as: UTF8.self)
            guard isSensitiveParameter(name) else { continue }
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
