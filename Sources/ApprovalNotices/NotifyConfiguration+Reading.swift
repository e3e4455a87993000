import ApprovalJSON
public import ApprovalRules

#if canImport(Glibc)
    import Glibc
#endif

// MARK: - Reading the file

extension NotifyConfiguration {
    /// Reads and checks a configuration file.
    ///
    /// - Parameters:
    ///   - path: the file.
    ///   - environment: where `secret_env` variables are read (the process environment by default).
    /// - Throws: ``NotifyConfigurationError`` with every problem found, each with its file, line,
    ///   column and JSON Pointer.
    public init(
        contentsOf path: String,
        environment: @escaping @Sendable (String) -> String? = NotifyConfiguration.processEnvironment
    ) throws(NotifyConfigurationError) {
        let bytes: [UInt8]
        do {
            bytes = try FileBytes.read(path, limit: 1 << 20)
        } catch {
            throw NotifyConfigurationError(diagnostics: [
                RuleDiagnostic(
                    code: error.code == .fileNotFound ? .fileNotFound : .unreadableFile, message: error.message,
                    path: JSONPointer(tokens: []))
            ])
        }
        try self.init(bytes: bytes, file: path, environment: environment)
    }

    /// Reads and checks a configuration from its JSON text.
    ///
    /// - Throws: ``NotifyConfigurationError``.
    public init(
        bytes: [UInt8], file: String? = nil,
        environment: @escaping @Sendable (String) -> String? = NotifyConfiguration.processEnvironment
    ) throws(NotifyConfigurationError) {
        let value: JSONValue
        do {
            value = try JSONParser(options: .ruleFile).parse(bytes, file: file)
        } catch {
            throw NotifyConfigurationError(diagnostics: [
                RuleDiagnostic(
                    code: .jsonSyntax, message: error.message, path: error.path ?? JSONPointer(tokens: []),
                    location: error.location)
            ])
        }
        var reader = ConfigurationReader(locator: SourceLocator(bytes: bytes, file: file), environment: environment)
        let configuration = reader.read(value)
        let diagnostics = reader.diagnostics.sorted {
            ($0.location?.byteOffset ?? 0, $0.path.description) < ($1.location?.byteOffset ?? 0, $1.path.description)
        }
        guard var configuration, !diagnostics.contains(where: { $0.severity == .error }) else {
            throw NotifyConfigurationError(diagnostics: diagnostics)
        }
        configuration.warnings = diagnostics
        self = configuration
    }

    /// `getenv`.
    public static let processEnvironment: @Sendable (String) -> String? = { name in
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }
}

/// A configuration file that cannot be used, with every problem found in it.
///
/// ```swift
/// catch let error as NotifyConfigurationError {
///     for diagnostic in error.diagnostics { print(diagnostic) }  // notify.json:3:12: error[unknown_field]: ...
/// }
/// ```
public struct NotifyConfigurationError: Error, Sendable, CustomStringConvertible {
    /// The problems (errors, and any warnings), in document order.
    public var diagnostics: [RuleDiagnostic]

    /// One line per problem.
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// Checks a parsed configuration, collecting diagnostics (internal only so that it can live in
/// this file, beside the reading it does).
struct ConfigurationReader {
    let locator: SourceLocator
    let environment: (String) -> String?
    var diagnostics: [RuleDiagnostic] = []

    init(locator: SourceLocator, environment: @escaping @Sendable (String) -> String?) {
        self.locator = locator
        self.environment = environment
    }

    mutating func report(_ code: RuleDiagnostic.Code, _ message: String, at path: JSONPointer, key: Bool = false) {
        diagnostics.append(
            RuleDiagnostic(code: code, message: message, path: path, location: locator.location(of: path, key: key)))
    }

    /// Reports the keys of `object` that are not in `known`, with the closest known one.
    mutating func checkKeys(_ object: JSONObject, known: [String], at path: JSONPointer) {
        for key in object.keys where !known.contains(key) {
            var message = "unknown field \"\(key)\""
            if let guess = Suggestion.closest(to: key, among: known) { message += "; did you mean \"\(guess)\"?" }
            report(.unknownField, message, at: path.appending(key), key: true)
        }
    }

    mutating func object(_ value: JSONValue?, at path: JSONPointer, what: String) -> JSONObject? {
        guard let value else { return nil }
        guard case .object(let object) = value else {
            report(.invalidFieldType, "\(what) must be an object, not \(value.typeName)", at: path)
            return nil
        }
        return object
    }

    mutating func string(_ object: JSONObject, _ key: String, at path: JSONPointer, required: Bool) -> String? {
        guard let value = object[key] else {
            if required { report(.missingField, "missing \"\(key)\"", at: path) }
            return nil
        }
        guard case .string(let text) = value, !text.isEmpty else {
            report(
                .invalidFieldType, "\"\(key)\" must be a non-empty string, not \(value.typeName)",
                at: path.appending(key))
            return nil
        }
        return text
    }

    mutating func duration(_ object: JSONObject, _ key: String, at path: JSONPointer) -> ISODuration? {
        guard let text = string(object, key, at: path, required: false) else { return nil }
        guard let duration = ISODuration(text), duration.milliseconds > 0 else {
            let why = ISODuration.problem(in: text) ?? "it must be longer than zero"
            report(.invalidDuration, "invalid duration \"\(text)\": \(why)", at: path.appending(key))
            return nil
        }
        return duration
    }

    mutating func read(_ value: JSONValue) -> NotifyConfiguration? {
        let root = JSONPointer(tokens: [])
        guard let object = object(value, at: root, what: "the configuration") else { return nil }
        checkKeys(object, known: ["$schema", "channels", "routes", "delivery"], at: root)
        var channels: [String: NotifyConfiguration.Channel] = [:]
        let channelsPath = root.appending("channels")
        if let list = self.object(object["channels"], at: channelsPath, what: "\"channels\"") {
            if list.isEmpty { report(.invalidValue, "no channels", at: channelsPath) }
            for (name, value) in list.members {
                if let channel = channel(value, at: channelsPath.appending(name)) { channels[name] = channel }
            }
        } else if object["channels"] == nil {
            report(.missingField, "missing \"channels\"", at: root)
        }
        var routes: [NotifyConfiguration.Route] = []
        let routesPath = root.appending("routes")
        switch object["routes"] {
        case .array(let items)?:
            if items.isEmpty { report(.invalidValue, "no routes: every notice would be undeliverable", at: routesPath) }
            for (index, item) in items.enumerated() {
                if let route = route(item, at: routesPath.appending(index), channels: list(object["channels"])) {
                    routes.append(route)
                }
            }
        case nil: report(.missingField, "missing \"routes\"", at: root)
        case let other?: report(.invalidFieldType, "\"routes\" must be an array, not \(other.typeName)", at: routesPath)
        }
        var delivery = NotifyConfiguration.Delivery()
        let deliveryPath = root.appending("delivery")
        if let settings = self.object(object["delivery"], at: deliveryPath, what: "\"delivery\"") {
            checkKeys(
                settings, known: ["max_attempts", "backoff", "max_backoff", "timeout", "lease", "concurrency"],
                at: deliveryPath)
            if let attempts = integer(settings, "max_attempts", in: 1...100, at: deliveryPath) {
                delivery.maxAttempts = attempts
            }
            if let concurrency = integer(settings, "concurrency", in: 1...64, at: deliveryPath) {
                delivery.concurrency = concurrency
            }
            if let backoff = duration(settings, "backoff", at: deliveryPath) { delivery.backoff = backoff }
            if let maxBackoff = duration(settings, "max_backoff", at: deliveryPath) { delivery.maxBackoff = maxBackoff }
            let timeout = duration(settings, "timeout", at: deliveryPath)
            let lease = duration(settings, "lease", at: deliveryPath)
            if let timeout { delivery.timeout = timeout }
            if let lease { delivery.lease = lease }
            // The lease is renewed before each channel; one channel may take the timeout, and a
            // sendmail that overruns it gets 2 more seconds before SIGKILL. (Not checked when
            // either was refused above: the default in its place would say nothing true.)
            let bothRead = (timeout != nil || settings["timeout"] == nil) && (lease != nil || settings["lease"] == nil)
            if bothRead, delivery.lease.milliseconds < delivery.timeout.milliseconds + 5_000 {
                report(
                    .invalidValue,
                    "\"lease\" (\(delivery.lease)) must be at least 5 seconds longer than \"timeout\" "
                        + "(\(delivery.timeout)): a notice still being sent would be taken by another deliverer",
                    at: settings["lease"] == nil ? deliveryPath : deliveryPath.appending("lease"))
            }
        }
        return NotifyConfiguration(channels: channels, routes: routes, delivery: delivery)
    }

    func list(_ value: JSONValue?) -> [String] {
        guard case .object(let object)? = value else { return [] }
        return Array(object.keys)
    }

    mutating func integer(_ object: JSONObject, _ key: String, in range: ClosedRange<Int>, at path: JSONPointer) -> Int?
    {
        guard let value = object[key] else { return nil }
        guard case .integer(let number) = value, range.contains(Int(clamping: number)) else {
            report(
                .invalidValue, "\"\(key)\" must be an integer from \(range.lowerBound) to \(range.upperBound)",
                at: path.appending(key))
            return nil
        }
        return Int(number)
    }

    mutating func channel(_ value: JSONValue, at path: JSONPointer) -> NotifyConfiguration.Channel? {
        guard let object = object(value, at: path, what: "a channel") else { return nil }
        guard let type = string(object, "type", at: path, required: true) else { return nil }
        switch type {
        case "webhook":
            checkKeys(object, known: ["type", "url", "secret_env"], at: path)
            let url = string(object, "url", at: path, required: true)
            if let url, !Self.isHTTPURL(url) {
                report(
                    .invalidValue,
                    "\"url\" must be an http:// or https:// URL with a host and no user name or password",
                    at: path.appending("url"))
            }
            let variable = string(object, "secret_env", at: path, required: true)
            var secret: [UInt8] = []
            if let variable {
                if let value = environment(variable), !value.isEmpty {
                    secret = Array(value.utf8)
                } else {
                    report(
                        .invalidValue, "the environment variable \(variable) (the webhook's signing secret) is not set",
                        at: path.appending("secret_env"))
                }
            }
            guard let url, let variable, !secret.isEmpty, Self.isHTTPURL(url) else { return nil }
            return .webhook(.init(url: url, secret: secret, secretVariable: variable))
        case "email":
            checkKeys(object, known: ["type", "from", "sendmail"], at: path)
            let from = string(object, "from", at: path, required: true)
            if let from, !Self.isAddress(from) {
                report(.invalidValue, "\"from\" is not an e-mail address", at: path.appending("from"))
            }
            var sendmail = ["/usr/sbin/sendmail", "-t", "-i"]
            if let value = object["sendmail"] {
                let words = value.array?.compactMap(\.string) ?? []
                if case .array(let items) = value, !items.isEmpty, words.count == items.count,
                    words[0].hasPrefix("/")
                {
                    sendmail = words
                } else {
                    report(
                        .invalidValue,
                        "\"sendmail\" must be a non-empty array of strings, an absolute program path first "
                            + "(e.g. [\"/usr/bin/msmtp\", \"-t\", \"-i\"])", at: path.appending("sendmail"))
                }
            }
            guard let from, Self.isAddress(from) else { return nil }
            return .email(.init(from: from, sendmail: sendmail))
        default:
            var message = "unknown channel type \"\(type)\"; expected webhook or email"
            if let guess = Suggestion.closest(to: type, among: ["webhook", "email"]) {
                message = "unknown channel type \"\(type)\"; did you mean \"\(guess)\"?"
            }
            report(.invalidValue, message, at: path.appending("type"))
            return nil
        }
    }

    mutating func route(_ value: JSONValue, at path: JSONPointer, channels: [String]) -> NotifyConfiguration.Route? {
        guard let object = object(value, at: path, what: "a route") else { return nil }
        checkKeys(object, known: ["match", "channel"], at: path)
        let match = string(object, "match", at: path, required: true)
        if let match, !Self.isPattern(match) {
            report(
                .invalidValue, "\"match\" must be an address, \"*@domain\" or \"*\", not \"\(match)\"",
                at: path.appending("match"))
        }
        let channel = string(object, "channel", at: path, required: true)
        if let channel, !channels.contains(channel) {
            var message = "no channel is named \"\(channel)\""
            if let guess = Suggestion.closest(to: channel, among: channels) {
                message += "; did you mean \"\(guess)\"?"
            }
            report(.invalidValue, message, at: path.appending("channel"))
        }
        guard let match, let channel, Self.isPattern(match), channels.contains(channel) else { return nil }
        return NotifyConfiguration.Route(match: match, channel: channel)
    }

    static func isAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
            && !text.contains {
                $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "," || $0.asciiValue.map { $0 < 0x20 } == true
            }
    }

    static func isPattern(_ text: String) -> Bool {
        text == "*" || isAddress(text) || (text.hasPrefix("*@") && isAddress("x" + text.dropFirst()))
    }

    static func isHTTPURL(_ text: String) -> Bool {
        let lower = text.lowercased()
        let rest: Substring
        if lower.hasPrefix("http://") {
            rest = text.dropFirst(7)
        } else if lower.hasPrefix("https://") {
            rest = text.dropFirst(8)
        } else {
            return false
        }
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return !authority.isEmpty && !authority.contains("@") && !text.contains { $0.isWhitespace }
    }
}
