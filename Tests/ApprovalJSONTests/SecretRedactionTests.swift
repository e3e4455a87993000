import ApprovalJSON
import Testing

@Suite struct SecretRedactionTests {
    @Test(arguments: [
        (
            "https://s3.example.com/b/c.pdf?X-Amz-Expires=3600&X-Amz-Signature=abc123&X-Amz-Credential=AKIA%2F20250101",
            "https://s3.example.com/b/c.pdf?X-Amz-Expires=3600&X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED"
        ),
        ("see https://x.example/f?sig=s3cr3t&se=2025 now", "see https://x.example/f?sig=REDACTED&se=2025 now"),
        (
            "https://cdn.example/f?Policy=p&Signature=s&Key-Pair-Id=k",
            "https://cdn.example/f?Policy=REDACTED&Signature=REDACTED&Key-Pair-Id=REDACTED"
        ),
        ("{\"u\":\"https://x/y?token=t\"}", "{\"u\":\"https://x/y?token=REDACTED\"}"),
        ("no url here = fine", "no url here = fine"),
        ("https://x/y?page=2&sort=asc", "https://x/y?page=2&sort=asc"),
    ])
    func redactsSignatureParameters(_ input: String, _ expected: String) {
        #expect(SecretRedaction.text(input) == expected)
    }

    @Test func redactsGivenSecrets() {
        #expect(SecretRedaction.text("key is sk_live_123 ok", secrets: ["sk_live_123"]) == "key is REDACTED ok")
    }
}
