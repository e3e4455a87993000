import Testing

@testable import ApprovalClient

@Suite("Redaction of URLs, headers and text")
struct RedactionTests {
    struct URLCase: Sendable, CustomTestStringConvertible {
        var input: String
        var output: String
        var testDescription: String { input }
    }

    @Test(arguments: [
        URLCase(
            input:
                "https://s3.amazonaws.com/b/k.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F2025&X-Amz-Date=20250120T110000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=abcdef",
            output:
                "https://s3.amazonaws.com/b/k.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=REDACTED&X-Amz-Date=20250120T110000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=REDACTED"
        ),
        URLCase(
            input: "https://s3.amazonaws.com/b/k.pdf?x-amz-security-token=T0K&x-amz-signature=ff",
            output: "https://s3.amazonaws.com/b/k.pdf?x-amz-security-token=REDACTED&x-amz-signature=REDACTED"),
        URLCase(
            input: "https://cdn.example.com/f.pdf?Expires=1737374400&Signature=abc~def&Key-Pair-Id=K2J",
            output: "https://cdn.example.com/f.pdf?Expires=1737374400&Signature=REDACTED&Key-Pair-Id=REDACTED"),
        URLCase(
            input: "https://acct.blob.core.windows.net/c/f.pdf?sv=2022-11-02&se=2025-01-20&sp=r&sig=AbC%3D",
            output: "https://acct.blob.core.windows.net/c/f.pdf?sv=2022-11-02&se=2025-01-20&sp=r&sig=REDACTED"),
        URLCase(
            input: "https://storage.googleapis.com/b/o?X-Goog-Credential=x&X-Goog-Signature=y&X-Goog-Expires=900",
            output:
                "https://storage.googleapis.com/b/o?X-Goog-Credential=REDACTED&X-Goog-Signature=REDACTED&X-Goog-Expires=900"
        ),
        URLCase(input: "https://h/p?access_token=a&id=3", output: "https://h/p?access_token=REDACTED&id=3"),
        URLCase(input: "https://user:pass@h/p", output: "https://REDACTED@h/p"),
        URLCase(input: "https://h/plain/path.pdf", output: "https://h/plain/path.pdf"),
        URLCase(input: "https://h/p?include_files=true", output: "https://h/p?include_files=true"),
        URLCase(input: "https://h/p?flag&sig=1#frag", output: "https://h/p?flag&sig=REDACTED#frag"),
    ])
    func urls(_ testCase: URLCase) {
        #expect(Redaction.url(testCase.input) == testCase.output)
    }

    @Test func headers() {
        let headers: HTTPHeaders = ["X-API-Key": "k", "authorization": "Bearer t", "Accept": "application/json"]
        #expect(
            Redaction.headers(headers)
                == ["X-API-Key": "REDACTED", "authorization": "REDACTED", "Accept": "application/json"])
    }

    @Test func text() {
        let text = #"{"detail":"bad key ca_123","download_url":"https://s3/x?X-Amz-Signature=abc&X-Amz-Expires=1"}"#
        let redacted = Redaction.text(text, secrets: ["ca_123"])
        #expect(
            redacted
                == #"{"detail":"bad key REDACTED","download_url":"https://s3/x?X-Amz-Signature=REDACTED&X-Amz-Expires=1"}"#
        )
    }

    @Test func urlParts() {
        let parts = URLParts("http://127.0.0.1:8080/tasks/1/files?a=1&b#f")
        #expect(parts.scheme == "http")
        #expect(parts.authority == "127.0.0.1:8080")
        #expect(parts.path == "/tasks/1/files")
        #expect(parts.query == "a=1&b")
        #expect(parts.fragment == "f")
        #expect(parts.string == "http://127.0.0.1:8080/tasks/1/files?a=1&b#f")
        #expect(URLParts("http://h").path == "/")
        #expect(PercentEncoding.encode("a b/ü~") == "a%20b%2F%C3%BC~")
    }

    @Test func headerLookupIgnoresCase() {
        var headers = HTTPHeaders()
        headers["Retry-After"] = "1"
        headers.add(name: "retry-after", value: "2")
        #expect(headers["RETRY-AFTER"] == "1")
        headers["retry-AFTER"] = "3"
        #expect(headers.fields.count == 1)
        #expect(headers["Retry-After"] == "3")
        headers["Retry-After"] = nil
        #expect(headers.fields.isEmpty)
    }
}
