import ApprovalJSON

// MARK: - Sending and mapping

extension APIClient {
    /// GETs `endpoint` through the middleware chain and returns its JSON object body.
    ///
    /// - Throws: ``APIError`` for every failure; `CancellationError` when the task is cancelled.
    func get(_ endpoint: Endpoint) async throws -> JSONValue {
        let request = HTTPRequest(
            method: endpoint.method, url: baseURL + endpoint.pathAndQuery, headers: ["Accept": "application/json"])
        let response: HTTPResponse
        let body: [UInt8]
        do {
            (response, body) = try await chain.send(request, body: nil)
        } catch let error as APIError {
            throw error
        } catch let error as RetryFailure {
            throw mapRetryFailure(error, endpoint)
        } catch let error as HTTPTransportError {
            throw mapTransportError(error, endpoint)
        } catch let error as CancellationError {
            throw error
        } catch {
            throw endpoint.error(
                .connection, "the request failed: \(scrub(String(describing: error)))", underlying: error)
        }
        guard response.isSuccess else { throw statusError(response, body: body, endpoint) }
        return try parseObject(body, response: response, endpoint)
    }

    /// How response bodies are parsed: the data limits, and a repeated key is an error.
    private static let responseParsing = JSONParser.Options(rejectDuplicateKeys: true)

    /// The body as a JSON object, or ``APIError/Code/invalidResponse``.
    private func parseObject(_ body: [UInt8], response: HTTPResponse, _ endpoint: Endpoint) throws(APIError)
        -> JSONValue
    {
        let value: JSONValue
        do {
            // A body that repeats a key says two things at once (jansson would keep the last
            // value, another reader the first): refused, like a body that is not JSON.
            value = try JSONParser(options: Self.responseParsing).parse(body, file: endpoint.path)
        } catch {
            let what = error.code == .duplicateKey ? "repeats a key of one object" : "is not valid JSON"
            var failure = endpoint.error(
                .invalidResponse, "the response body \(what) (\(error.code): \(error.message))",
                status: response.status, underlying: error)
            failure.bodyExcerpt = excerpt(body)
            throw failure
        }
        guard case .object = value else {
            var failure = endpoint.error(
                .invalidResponse, "the response body is \(value.typeName), not a JSON object", status: response.status)
            failure.bodyExcerpt = excerpt(body)
            throw failure
        }
        return value
    }

    /// Maps a non-2xx response to the documented error for its status.
    func statusError(_ response: HTTPResponse, body: [UInt8], _ endpoint: Endpoint) -> APIError {
        let status = response.status
        let parsed = try? JSONParser().parse(body)
        var detail: String?
        var issues: [APIError.ValidationIssue] = []
        switch parsed?["detail"] {
        case .string(let text)?:
            detail = scrub(text)
        case .array(let entries)?:
            issues = entries.map(Self.validationIssue)
            detail = issues.map(\.description).joined(separator: "; ")
            detail = detail.map(scrub)
        case let other?:
            detail = scrub(String(describing: other))
        case nil:
            detail = nil
        }
        let task = "task \(endpoint.taskID)"
        let code: APIError.Code
        var message: String
        var reason: APIError.AuthenticationReason?
        switch status {
        case 401:
            code = .unauthorized
            reason = .classify(detail)
            switch reason {
            case .missingKey?:
                message = "no API key reached the server; set \(APIClient.apiKeyVariable)"
            case .invalidKey?:
                message = "the API key was rejected; check \(APIClient.apiKeyVariable)"
            case .expiredKey?:
                message = "the API key has expired"
            case .revokedKey?:
                message = "the API key was revoked"
            default:
                message = "authentication failed"
            }
        case 403:
            code = .forbidden
            message = "the API key may not read \(task)"
        case 404:
            code = .notFound
            if let stepID = endpoint.stepID {
                message = "no document was found for step \"\(stepID)\" of \(task)"
            } else {
                message = "\(task) was not found, or is not accessible with this key"
            }
        case 409:
            code = .notAtApprovalStep
            message = "\(task) is not at a pending approval step"
        case 422:
            code = .validation
            message = "the API rejected the request parameters"
            if !issues.isEmpty { message += ": " + issues.map(\.description).joined(separator: "; ") }
        case 429:
            code = .rateLimited
            message = "the API is rate limiting requests"
        case 501 where endpoint.stepID != nil:
            code = .notImplemented
            message =
                "step \"\(endpoint.stepID ?? "?")\" of \(task) has no document (not generated yet, "
                + "or the step does not generate documents)"
        case 500...599:
            code = .serverError
            message = "the API failed with a server error"
        default:
            code = .unexpectedStatus
            message = "unexpected HTTP status \(status)"
        }
        var error = endpoint.error(code, message, status: status)
        error.detail = detail
        error.authenticationReason = reason
        error.validationIssues = issues
        error.retryAfter = RetryMiddleware.retryAfter(response.headers["Retry-After"])
        error.bodyExcerpt = excerpt(body)
        return error
    }

    private static func validationIssue(_ entry: JSONValue) -> APIError.ValidationIssue {
        let location = (entry["loc"]?.array ?? []).map { part -> String in
            if case .string(let text) = part { return text }
            return String(describing: part)
        }
        return APIError.ValidationIssue(
            location: location, message: entry["msg"]?.string ?? String(describing: entry),
            type: entry["type"]?.string)
    }

    private func mapTransportError(_ error: HTTPTransportError, _ endpoint: Endpoint) -> APIError {
        let message = scrub(error.message)
        let code: APIError.Code
        let text: String
        switch error.code {
        case .timeout:
            code = .timeout
            text = "no response in time: \(message)"
        case .invalidRequest:
            code = .invalidRequest
            text = "the request could not be sent: \(message)"
        case .responseTooLarge:
            code = .invalidResponse
            text = "the response is too large"
        default:
            code = .connection
            text = "could not reach the API at \(Redaction.url(baseURL)): \(message)"
        }
        return endpoint.error(code, text, underlying: error)
    }

    private func mapRetryFailure(_ failure: RetryFailure, _ endpoint: Endpoint) -> APIError {
        var error: APIError
        if let response = failure.lastResponse {
            error = statusError(response, body: failure.lastBody, endpoint)
            if failure.reason == .retryAfterBeyondDeadline, let retryAfter = failure.retryAfter {
                error.message +=
                    "; the server asked to wait \(DurationText.seconds(retryAfter)), beyond the "
                    + "\(DurationText.seconds(failure.deadline)) deadline"
            } else {
                error.message += " (still, after \(failure.attempts) attempts)"
            }
        } else if let transport = failure.lastError as? HTTPTransportError {
            error = mapTransportError(transport, endpoint)
            if failure.reason == .deadlineExceeded && transport.code == .timeout {
                error.code = .deadlineExceeded
                error.message =
                    "no response within the overall deadline of \(DurationText.seconds(failure.deadline)) "
                    + "(\(failure.attempts) attempts)"
            } else {
                error.message += " (still, after \(failure.attempts) attempts)"
            }
        } else {
            error = endpoint.error(
                .deadlineExceeded, "the overall deadline of \(DurationText.seconds(failure.deadline)) passed")
        }
        error.attempts = failure.attempts
        error.underlying = failure
        return error
    }

    /// Text with the API key and presigned signatures removed.
    func scrub(_ text: String) -> String {
        Redaction.text(text, secrets: secrets.values)
    }

    /// At most ``APIError/bodyExcerptLimit`` bytes of `body`, scrubbed as a whole before it is
    /// cut, so that no part of a secret straddling the cut can survive.
    func excerpt(_ body: [UInt8]) -> String? {
        guard !body.isEmpty else { return nil }
        let text = scrub(String(decoding: body, as: UTF8.self))
        var bytes = Array(text.utf8)
        guard bytes.count > APIError.bodyExcerptLimit else { return text }
        bytes = Array(bytes.prefix(APIError.bodyExcerptLimit))
        // Do not end inside a multi-byte character.
        while let last = bytes.last, last & 0xC0 == 0x80 { bytes.removeLast() }
        if let last = bytes.last, last >= 0xC0 { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self) + "…"
    }
}
