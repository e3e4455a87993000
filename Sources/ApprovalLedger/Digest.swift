import Crypto

/// SHA-256 digests as the ledger writes them: `sha256:` and 64 lowercase hex digits (the form of
/// `RuleSet.contentHash`), from swift-crypto.
enum Digest {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// `sha256:` and the hex digest of `bytes`.
    static func sha256(_ bytes: [UInt8]) -> String {
        var text: [UInt8] = Array("sha256:".utf8)
        text.reserveCapacity(7 + 64)
        for byte in SHA256.hash(data: bytes) {
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
