import ApprovalClient
import ApprovalJSON
import ApprovalLedger
import ApprovalRules
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// How one delivery to one channel went.
enum ChannelResult: Sendable, Hashable {
    /// The receiver has it.
    case delivered
    /// Worth trying again (5xx, 429, a timeout, a refused connection, sendmail's EX_TEMPFAIL).
    case temporary(String, retryAfter: Duration?)
    /// Trying again would not help (another 4xx, a redirect, sendmail refusing the message).
    case permanent(String)
}

/// POSTs notices to a webhook, signed, through the approvals client's HTTP transport (which
/// never follows redirects).
struct WebhookSender: Sendable {
    let transport: any HTTPTransport

    func send(
        _ notice: Notice, to recipients: [String], channel: NotifyConfiguration.Webhook, timeout: Duration, now: Int64
    )
        async -> ChannelResult
    {
        let body = NoticeMessage.webhookBody(notice, recipients: recipients)
        var headers = HTTPHeaders()
        headers["Content-Type"] = "application/json"
        headers["User-Agent"] = "approvalctl-notices"
        headers["Idempotency-Key"] = notice.id
        headers[WebhookSignature.headerName] = WebhookSignature.header(
            body: body, secret: channel.secret, time: now / 1000)
        let request = HTTPRequest(method: .post, url: channel.url, headers: headers, timeout: timeout)
        do {
            let (response, _) = try await transport.send(request, body: body)
            switch response.status {
            case 200..<300: return .delivered
            case 408, 425, 429, 500...599:
                return .temporary(
                    "HTTP \(response.status)", retryAfter: RetryMiddleware.retryAfter(response.headers["Retry-After"]))
            case 300..<400: return .permanent("HTTP \(response.status): redirects are not followed")
            default: return .permanent("HTTP \(response.status)")
            }
        } catch let error as HTTPTransportError {
            if error.code == .invalidRequest { return .permanent("\(error.code): \(error.message)") }
            return .temporary("\(error.code): \(error.message)", retryAfter: nil)
        } catch is CancellationError {
            return .temporary("cancelled (shutting down)", retryAfter: nil)
        } catch {
            return .temporary("\(error)", retryAfter: nil)
        }
    }

    /// The URL's scheme, host and port: what messages name (a webhook's path or query may hold a
    /// token).
    static func origin(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return "(invalid URL)" }
        let rest = url[scheme.upperBound...]
        return String(url[..<scheme.upperBound]) + rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
    }
}

/// Hands e-mails to a sendmail-compatible program (`sendmail -t -i`, `msmtp -t`): the message on
/// its standard input, the recipients in its `To` header.
struct SendmailSender: Sendable {
    /// sysexits(3) statuses that mean "try again later" (a mail server down or refusing for now).
    static let temporaryStatuses: Set<Int32> = [69, 70, 71, 74, 75]

    func send(_ message: [UInt8], program: [String], timeout: Duration) async -> ChannelResult {
        guard access(program[0], X_OK) == 0 else {
            return .permanent(
                "cannot run \(program[0]): no such executable (install a sendmail-compatible program, such as "
                    + "Debian's msmtp-mta, or name one in the channel's \"sendmail\")")
        }
        // The message goes in through an unlinked temporary file, not a pipe: a program that exits
        // without reading it cannot raise SIGPIPE in this process.
        guard let input = Self.unlinkedFile(holding: message) else {
            return .temporary("cannot write the message to a temporary file (errno \(errno))", retryAfter: nil)
        }
        defer { try? input.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program[0])
        process.arguments = Array(program.dropFirst())
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        let exited = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in
            exited.continuation.yield()
            exited.continuation.finish()
        }
        do {
            try process.run()
        } catch {
            return .permanent("cannot run \(program[0]): \(error.localizedDescription)")
        }
        let pid = process.processIdentifier
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            kill(pid, SIGTERM)
            try await Task.sleep(for: .seconds(2))
            kill(pid, SIGKILL)
        }
        for await _ in exited.stream {}
        watchdog.cancel()
        let stderr = (try? errors.fileHandleForReading.readToEnd()).flatMap { $0 }.map { Array($0) } ?? []
        let said = NoticeMessage.oneLine(String(decoding: stderr.prefix(500), as: UTF8.self))
            .trimmingCharacters(in: .whitespaces)
        let detail = said.isEmpty ? "" : ": \(said)"
        if process.terminationReason == .uncaughtSignal {
            return .temporary(
                "\(program[0]) timed out or was killed (signal \(process.terminationStatus))", retryAfter: nil)
        }
        let status = process.terminationStatus
        if status == 0 { return .delivered }
        if Self.temporaryStatuses.contains(status) {
            return .temporary("\(program[0]) exited with \(status)\(detail)", retryAfter: nil)
        }
        return .permanent("\(program[0]) exited with \(status)\(detail)")
    }

    /// A file holding `bytes`, opened for reading at its start, with no name left on disk.
    private static func unlinkedFile(holding bytes: [UInt8]) -> FileHandle? {
        var template = Array((FileManager.default.temporaryDirectory.path + "/approvalctl-mail-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { return nil }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            try handle.write(contentsOf: bytes)
            try handle.seek(toOffset: 0)
        } catch {
            return nil
        }
        return handle
    }
}
