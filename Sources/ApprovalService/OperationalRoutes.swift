import ApprovalJSON
import ApprovalRules
import Hummingbird

/// `GET /healthz`, `GET /readyz`, `GET /metrics`, `GET /openapi.json`.
enum OperationalRoutes {
    static let routes: [Route] = [
        Route(method: .get, template: "/healthz", open: true) { _, _, _, _ throws(ServiceError) in
            .json(["status": "ok"])
        },
        Route(method: .get, template: "/readyz", open: true) { service, _, _, _ throws(ServiceError) in
            guard let live = service.store.current.live else { throw .notReady }
            return .json(["status": "ready", "rule_set": .string(live.rules.contentHash)])
        },
        Route(method: .get, template: "/metrics", open: false) { service, _, _, _ throws(ServiceError) in
            .bytes(service.metrics.text(), type: "text/plain; version=0.0.4; charset=utf-8")
        },
        Route(method: .get, template: "/openapi.json", open: false) { _, _, _, _ throws(ServiceError) in
            .bytes(PackageResources.openapi_json, type: "application/json")
        },
    ]
}
