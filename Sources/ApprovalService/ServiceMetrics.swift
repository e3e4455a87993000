import ApprovalRules
import Prometheus
import Synchronization

/// The service's metrics, in its own Prometheus registry (no process-wide metrics system: the
/// service owns its state). Names follow Prometheus conventions; labels come from small fixed
/// sets (recommendations, rule ids, problem codes, route templates), never a task id.
final class ServiceMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    /// Counters already made, by metric and labels: the registry checks a metric's name and help
    /// text and builds its key on every `make` call, which a request should not pay for.
    private let counters = Mutex<[CounterKey: Counter]>([:])
    private let durations: DurationHistogram

    /// A metric and the values of its labels (none, one or two: no array to allocate per call).
    private struct CounterKey: Hashable {
        let metric: Int
        let first: String
        let second: String
    }

    /// The counter of `descriptor` (numbered `metric`) with these labels, made once.
    private func counter(
        _ metric: Int, _ descriptor: @autoclosure () -> MetricNameDescriptor, _ labels: [(String, String)]
    ) -> Counter {
        assert(labels.count <= 2, "a counter key holds two label values")
        let key = CounterKey(
            metric: metric, first: labels.first?.1 ?? "", second: labels.count > 1 ? labels[1].1 : "")
        if let known = counters.withLock({ $0[key] }) { return known }
        let made =
            labels.isEmpty
            ? registry.makeCounter(descriptor: descriptor())
            : registry.makeCounter(descriptor: descriptor(), labels: labels)
        counters.withLock { $0[key] = made }
        return made
    }

    /// Latency buckets, 100 µs to 5 s.
    private static let buckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
    ]

    /// `approval_<name>_<unit>`, with its help text.
    private static func name(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "approval", metricName: name, unitName: unit, helpText: help)
    }

    private static var decisions: MetricNameDescriptor {
        name("decisions", "total", "Decisions made, by recommendation.")
    }
    private static var rulesFired: MetricNameDescriptor { name("rules_fired", "total", "Rules fired, by rule id.") }
    private static var dataProblems: MetricNameDescriptor {
        name("data_problems", "total", "Data problems found in snapshots, by code.")
    }
    private static var duration: MetricNameDescriptor {
        name("decision_duration", "seconds", "Time to parse a snapshot and decide it (the HTTP exchange excluded).")
    }
    private static var requests: MetricNameDescriptor {
        name("http_requests", "total", "HTTP requests, by route template and status.")
    }
    private static var reloads: MetricNameDescriptor {
        name("rule_reloads", "total", "Rule-set reloads, by result (a failed reload keeps the last good rule set).")
    }
    private static var disagreements: MetricNameDescriptor {
        name(
            "shadow_disagreements", "total",
            "Decisions the shadow rule set would have recommended differently, by (live, shadow).")
    }
    private static var ledgerFailures: MetricNameDescriptor {
        name("ledger_failures", "total", "Decisions that could not be recorded in the ledger.")
    }
    private static var notices: MetricNameDescriptor {
        name("notices", "total", "Notice delivery attempts of the background deliverer, by outcome.")
    }

    init() {
        durations = registry.makeDurationHistogram(descriptor: Self.duration, buckets: Self.buckets)
        // Declared up front, so /metrics lists them before the first decision.
        for recommendation in ["approve", "request_changes", "hold", "reject"] {
            _ = counter(0, Self.decisions, [("recommendation", recommendation)])
        }
        for result in ["success", "failure"] {
            _ = counter(5, Self.reloads, [("result", result)])
        }
        _ = counter(7, Self.ledgerFailures, [])
    }

    /// Counts a decision: its recommendation, the rules that fired, its data problems, its time.
    func decided(_ decision: Decision, in duration: Duration) {
        counter(0, Self.decisions, [("recommendation", decision.recommendation.rawValue)]).increment()
        for rule in decision.firedRules {
            counter(1, Self.rulesFired, [("rule", rule.id)]).increment()
        }
        for problem in decision.dataProblems {
            counter(2, Self.dataProblems, [("code", problem.code.description)]).increment()
        }
        durations.record(duration)
    }

    /// Counts a request by route template and status.
    func request(route: String, status: Int) {
        counter(4, Self.requests, [("route", route), ("status", String(status))]).increment()
    }

    /// Counts a reload.
    func reloaded(success: Bool) {
        counter(5, Self.reloads, [("result", success ? "success" : "failure")]).increment()
    }

    /// Counts a decision on which the shadow rule set disagreed.
    func shadowDisagreed(live: Recommendation, shadow: Recommendation) {
        counter(6, Self.disagreements, [("live", live.rawValue), ("shadow", shadow.rawValue)]).increment()
    }

    /// Counts a decision the ledger did not record.
    func unrecorded() {
        counter(7, Self.ledgerFailures, []).increment()
    }

    /// Counts what a pass of the background notice deliverer did.
    func delivered(sent: Int, retrying: Int, failed: Int, undeliverable: Int) {
        for (outcome, count) in [
            ("sent", sent), ("retrying", retrying), ("failed", failed), ("undeliverable", undeliverable),
        ]
        where count > 0 {
            counter(8, Self.notices, [("outcome", outcome)]).increment(by: Int64(count))
        }
    }

    /// The Prometheus text exposition.
    func text() -> [UInt8] { registry.emitToBuffer() }
}
