import ApprovalNotices
import Foundation
import Testing

@Suite struct WebhookSignatureTests {
    let secret = Array("s3cret-for-tests".utf8)
    let body = Array(#"{"id":"sha256:abc","message":"Contract value 300000"}"#.utf8)

    @Test func aSignatureVerifiesWithTheSameSecretBodyAndTime() {
        let header = WebhookSignature.header(body: body, secret: secret, time: 1_796_614_535)
        #expect(header.hasPrefix("t=1796614535,v1="))
        #expect(header.count == "t=1796614535,v1=".count + 64)
        #expect(WebhookSignature.verify(header: header, body: body, secret: secret, now: 1_796_614_600))
    }

    /// What a receiver must refuse, each on its own.
    @Test(
        arguments: [
            (
                "another body", { (header: String) in header }, Array(#"{"id":"sha256:abd"}"#.utf8),
                Array("s3cret-for-tests".utf8), Int64(1_796_614_535)
            ),
            (
                "another secret", { $0 }, Array(#"{"id":"sha256:abc","message":"Contract value 300000"}"#.utf8),
                Array("other".utf8), 1_796_614_535
            ),
            (
                "too old", { $0 }, Array(#"{"id":"sha256:abc","message":"Contract value 300000"}"#.utf8),
                Array("s3cret-for-tests".utf8), 1_796_614_535 + 301
            ),
            (
                "time changed", { $0.replacingOccurrences(of: "t=1796614535", with: "t=1796614536") },
                Array(#"{"id":"sha256:abc","message":"Contract value 300000"}"#.utf8), Array("s3cret-for-tests".utf8),
                1_796_614_535
            ),
            (
                "no v1", { String($0.prefix(12)) },
                Array(#"{"id":"sha256:abc","message":"Contract value 300000"}"#.utf8), Array("s3cret-for-tests".utf8),
                1_796_614_535
            ),
        ] as [(String, @Sendable (String) -> String, [UInt8], [UInt8], Int64)])
    func refused(
        _ name: String, _ tamper: @Sendable (String) -> String, _ body: [UInt8], _ secret: [UInt8], _ now: Int64
    ) {
        let header = tamper(WebhookSignature.header(body: self.body, secret: self.secret, time: 1_796_614_535))
        #expect(!WebhookSignature.verify(header: header, body: body, secret: secret, now: now), "\(name)")
    }
}
