/// What a rule set recommends for a task, ordered from least to most restrictive.
///
/// ```swift
/// Recommendation.reject > .hold              // true
/// Recommendation(rawValue: "request_changes") // .requestChanges
/// ```
public enum Recommendation: String, Sendable, Hashable, Comparable, CaseIterable {
    /// Let the task through.
    case approve
    /// Send it back for changes.
    case requestChanges = "request_changes"
    /// Stop and wait for a person.
    case hold
    /// Refuse it.
    case reject

    private var restrictiveness: Int {
        switch self {
        case .approve: return 0
        case .requestChanges: return 1
        case .hold: return 2
        case .reject: return 3
        }
    }

    /// `a < b` when `a` is less restrictive than `b`.
    public static func < (lhs: Recommendation, rhs: Recommendation) -> Bool {
        lhs.restrictiveness < rhs.restrictiveness
    }
}

/// How the recommendations of the rules that fire combine into one.
public enum CombiningStrategy: String, Sendable, Hashable, CaseIterable {
    /// The most restrictive recommendation wins (reject > hold > request_changes > approve).
    case mostRestrictive = "most_restrictive"
    /// The first rule that fires and recommends, in priority order, decides.
    case firstMatch = "first_match"
}

/// How urgent an escalation is.
public enum Severity: String, Sendable, Hashable, Comparable, CaseIterable {
    /// For information.
    case low
    /// Needs attention.
    case medium
    /// Needs attention soon.
    case high
    /// Needs attention now.
    case critical

    public static func < (lhs: Severity, rhs: Severity) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!  // every case is in allCases
    }
}
