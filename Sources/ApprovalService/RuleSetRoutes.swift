import ApprovalJSON
import ApprovalRules
import Hummingbird

/// `GET /v1/rule-set` and `POST /v1/rule-sets/validate`.
enum RuleSetRoutes {
    static let routes: [Route] = [
        Route(method: .get, template: "/v1/rule-set", open: false) { service, _, _, notes throws(ServiceError) in
            let (live, shadow) = service.store.current
            guard let live else { throw .notReady }
            notes.ruleSetHash = live.rules.contentHash
            var object = JSONObject()
            object["name"] = .string(live.rules.name)
            object["content_hash"] = .string(live.rules.contentHash)
            object["version"] = live.version.map(JSONValue.string) ?? .null
            object["loaded_at"] = .string(live.loadedAt.description)
            object["source"] = .string(live.source)
            object["rule_ids"] = .array(live.rules.ruleIDs.map(JSONValue.string))
            object["shadow"] =
                shadow.map {
                    [
                        "name": .string($0.rules.name), "content_hash": .string($0.rules.contentHash),
                        "source": .string($0.source),
                    ]
                } ?? .null
            object["last_reload_error"] =
                service.store.lastFailure.map { failure in
                    [
                        "at": .string(failure.at.description), "source": .string(failure.source),
                        "diagnostics": .array(failure.diagnostics.map(\.json)),
                    ]
                } ?? .null
            return .json(.object(object))
        },
        Route(method: .post, template: "/v1/rule-sets/validate", open: false) { _, request, _, _ throws(ServiceError) in
            let bytes = try await request.bytes(as: "application/json", limit: Limits.default.ruleFileBytes)
            return .json(RuleValidation(bytes: bytes, file: "<request>").json)
        },
    ]
}
