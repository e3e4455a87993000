/// What a rule set recommends for a task, ordered from least to most restrictive.
///
/// A struct over a private enum (STYLE.md §2): a recommendation added later breaks no one's
/// `switch` (which needs a `default`).
///
/// ```swift
/// Recommendation.reject > .hold              // true
/// Recommendation(rawValue: "request_changes") // .requestChanges
/// ```
public struct Recommendation: Sendable, Hashable, Comparable, CaseIterable, CustomStringConvertible {
    // The values are computed properties, not `static let`s: reading one is then a constant,
    // with no lazily initialised global to check on the evaluation's path.

    /// In order of restrictiveness.
    private enum Kind: Int, Sendable, Hashable, CaseIterable {
        case approve, requestChanges, hold, reject
    }

    private let kind: Kind
    private init(_ kind: Kind) { self.kind = kind }

    /// Let the task through.
    public static var approve: Recommendation { Recommendation(.approve) }
    /// Send it back for changes.
    public static var requestChanges: Recommendation { Recommendation(.requestChanges) }
    /// Stop and wait for a person.
    public static var hold: Recommendation { Recommendation(.hold) }
    /// Refuse it.
    public static var reject: Recommendation { Recommendation(.reject) }

    /// Every recommendation, least restrictive first.
    public static let allCases: [Recommendation] = Kind.allCases.map(Recommendation.init)

    /// The recommendation spelled `rawValue` (`approve`, `request_changes`, `hold`, `reject`).
    public init?(rawValue: String) {
        guard let found = Self.allCases.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = found
    }

    /// The snake_case name, as in rule documents and decisions.
    public var rawValue: String {
        switch kind {
        case .approve: return "approve"
        case .requestChanges: return "request_changes"
        case .hold: return "hold"
        case .reject: return "reject"
        }
    }

    /// The text form, as printed in messages and reports.
    public var description: String { rawValue }

    /// `a < b` when `a` is less restrictive than `b`.
    public static func < (lhs: Recommendation, rhs: Recommendation) -> Bool {
        lhs.kind.rawValue < rhs.kind.rawValue
    }

    /// Whether `lhs` and `rhs` are the same.
    public static func == (lhs: Recommendation, rhs: Recommendation) -> Bool { lhs.kind == rhs.kind }
}

/// How the recommendations of the rules that fire combine into one (a struct over a private
/// enum, like ``Recommendation``).
///
/// ```swift
/// CombiningStrategy(rawValue: "first_match") == .firstMatch  // true
/// ```
public struct CombiningStrategy: Sendable, Hashable, CaseIterable, CustomStringConvertible {
    private enum Kind: Sendable, Hashable, CaseIterable {
        case mostRestrictive, firstMatch
    }

    private let kind: Kind
    private init(_ kind: Kind) { self.kind = kind }

    /// The most restrictive recommendation wins (reject > hold > request_changes > approve).
    public static var mostRestrictive: CombiningStrategy { CombiningStrategy(.mostRestrictive) }
    /// The first rule that fires and recommends, in priority order, decides.
    public static var firstMatch: CombiningStrategy { CombiningStrategy(.firstMatch) }

    /// Every strategy.
    public static let allCases: [CombiningStrategy] = Kind.allCases.map(CombiningStrategy.init)

    /// The strategy spelled `rawValue` (`most_restrictive`, `first_match`).
    public init?(rawValue: String) {
        guard let found = Self.allCases.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = found
    }

    /// The snake_case name, as in rule documents.
    public var rawValue: String {
        switch kind {
        case .mostRestrictive: return "most_restrictive"
        case .firstMatch: return "first_match"
        }
    }

    /// The text form, as printed in messages and reports.
    public var description: String { rawValue }
}

/// How urgent an escalation is, from least to most (a struct over a private enum, like
/// ``Recommendation``).
///
/// ```swift
/// Severity.critical > .high                 // true
/// Severity(rawValue: "medium") == .medium   // true
/// ```
public struct Severity: Sendable, Hashable, Comparable, CaseIterable, CustomStringConvertible {
    /// In order of urgency.
    private enum Kind: Int, Sendable, Hashable, CaseIterable {
        case low, medium, high, critical
    }

    private let kind: Kind
    private init(_ kind: Kind) { self.kind = kind }

    /// For information.
    public static var low: Severity { Severity(.low) }
    /// Needs attention.
    public static var medium: Severity { Severity(.medium) }
    /// Needs attention soon.
    public static var high: Severity { Severity(.high) }
    /// Needs attention now.
    public static var critical: Severity { Severity(.critical) }

    /// Every severity, least urgent first.
    public static let allCases: [Severity] = Kind.allCases.map(Severity.init)

    /// The severity spelled `rawValue` (`low`, `medium`, `high`, `critical`).
    public init?(rawValue: String) {
        guard let found = Self.allCases.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = found
    }

    /// The name, as in rule documents and decisions.
    public var rawValue: String {
        switch kind {
        case .low: return "low"
        case .medium: return "medium"
        case .high: return "high"
        case .critical: return "critical"
        }
    }

    /// The text form, as printed in messages and reports.
    public var description: String { rawValue }

    /// Whether `lhs` comes before `rhs` in this type's order.
    public static func < (lhs: Severity, rhs: Severity) -> Bool {
        lhs.kind.rawValue < rhs.kind.rawValue
    }
}
