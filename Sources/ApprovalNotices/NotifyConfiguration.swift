import ApprovalJSON
public import ApprovalRules

/// Where notices go: the channels, which recipients each one serves, and how delivery retries. A
/// deployment file (`--notify FILE` or `APPROVAL_NOTIFY`), kept apart from the rule document;
/// described by `rules/notify.schema.json` and in `docs/notices.md`.
///
/// ```swift
/// let configuration = try NotifyConfiguration(contentsOf: "notify.json")
/// configuration.route(["cfo@example.com", "ops@example.com"])
/// // ([("mail", ["cfo@example.com"]), ("ops-hook", ["ops@example.com"])], unrouted: [])
/// ```
public struct NotifyConfiguration: Sendable {
    /// A channel: how notices reach their recipients.
    public enum Channel: Sendable, Hashable {
        /// A signed HTTP POST of the notice as JSON.
        case webhook(Webhook)
        /// An e-mail, handed to a sendmail-compatible program.
        case email(Email)
    }

    /// A webhook channel. Printed, it shows neither the secret nor the URL's path and query.
    public struct Webhook: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
        CustomReflectable
    {
        /// The `http` or `https` URL to POST to.
        public var url: String
        /// The signing secret (read from the environment variable the file names).
        public var secret: [UInt8]
        /// The name of that environment variable (for messages; never the secret).
        public var secretVariable: String

        /// `webhook <scheme://host:port> (secret from $NAME)`.
        public var description: String {
            "webhook \(WebhookSender.origin(url)) (secret from $\(secretVariable))"
        }
        /// As ``description``.
        public var debugDescription: String { description }
        /// As ``description`` (so that `dump` shows no secret either).
        public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
    }

    /// An e-mail channel.
    public struct Email: Sendable, Hashable {
        /// The `From` address.
        public var from: String
        /// The program and its arguments; the message goes to its standard input, recipients in
        /// the `To` header (`-t`).
        public var sendmail: [String]
    }

    /// A route: recipients it matches, and their channel.
    public struct Route: Sendable, Hashable {
        /// `cfo@example.com` (that address, any case), `*@example.com` (any local part at that
        /// domain), or `*` (anyone).
        public var match: String
        /// The channel's name.
        public var channel: String

        /// A route.
        public init(match: String, channel: String) {
            self.match = match
            self.channel = channel
        }

        /// Whether `address` is one this route matches.
        public func matches(_ address: String) -> Bool {
            let pattern = match.lowercased()
            let address = address.lowercased()
            if pattern == "*" { return true }
            if pattern.hasPrefix("*@") {
                guard let at = address.lastIndex(of: "@"), at != address.startIndex else { return false }
                return address[address.index(after: at)...] == pattern.dropFirst(2)
            }
            return pattern == address
        }
    }

    /// How delivery is paced.
    public struct Delivery: Sendable, Hashable {
        /// Attempts before a notice is marked failed (the first one included).
        public var maxAttempts = 8
        /// The wait before the first retry; it doubles each time, up to ``maxBackoff``, and a
        /// random part of it (up to half) is left out so that retries spread.
        public var backoff = ISODuration("PT30S")!
        /// The longest wait between two attempts (a receiver's `Retry-After` may ask for more).
        public var maxBackoff = ISODuration("PT1H")!
        /// The longest one delivery may take (an HTTP request, a sendmail run).
        public var timeout = ISODuration("PT10S")!
        /// How long a claimed notice stays claimed; after that another deliverer may take it (a
        /// deliverer that died). Longer than ``timeout``.
        public var lease = ISODuration("PT2M")!
        /// How many notices one deliverer sends at once.
        public var concurrency = 4

        /// The defaults: 8 attempts, 30 s doubling to 1 h, 10 s per attempt, 2 min lease, 4 at once.
        public init() {}
    }

    /// Problems that do not stop the file from being used (unknown fields), to print.
    public var warnings: [RuleDiagnostic] = []
    /// The channels, by name.
    public var channels: [String: Channel]
    /// The routes, in order: the first that matches a recipient wins.
    public var routes: [Route]
    /// Retries and pacing.
    public var delivery: Delivery

    /// A configuration from its parts.
    public init(channels: [String: Channel], routes: [Route], delivery: Delivery = Delivery()) {
        self.channels = channels
        self.routes = routes
        self.delivery = delivery
    }

    /// Splits recipients by channel (the first matching route's), keeping the recipients' order
    /// within each and the channels in order of first use; addresses no route matches are
    /// returned apart.
    public func route(_ recipients: [String]) -> (channels: [(name: String, recipients: [String])], unrouted: [String])
    {
        var grouped: [(name: String, recipients: [String])] = []
        var unrouted: [String] = []
        for address in recipients {
            guard let route = routes.first(where: { $0.matches(address) }) else {
                unrouted.append(address)
                continue
            }
            if let at = grouped.firstIndex(where: { $0.name == route.channel }) {
                grouped[at].recipients.append(address)
            } else {
                grouped.append((route.channel, [address]))
            }
        }
        return (grouped, unrouted)
    }
}
