import ApprovalLedger
import ApprovalRules
import NIOCore
import PostgresNIO

// The statements of an append, prepared once per connection (PostgresNIO keeps them by name):
// the server then neither parses nor plans them again for every decision, which was about half of
// its work per record. Arrays travel as arrays; they cannot hold SQL nulls, so an absent text is
// "" (never a task id, step run, URL, hash or name), an absent time `Int64.min`, an absent shadow
// decision no bytes.

/// Stores the snapshots (if absent) and says which of the rule documents are stored already.
struct StoreSnapshots: PostgresPreparedStatement {
    static let sql = """
        WITH stored AS (
            INSERT INTO snapshots (hash, bytes) SELECT * FROM unnest($1::text[], $2::bytea[])
            ON CONFLICT (hash) DO NOTHING
        )
        SELECT hash FROM rule_documents WHERE hash = ANY($3::text[])
        """
    typealias Row = String

    let hashes: [String]
    let bytes: [ByteBuffer]
    let documents: [String]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 3)
        bindings.append(hashes)
        bindings.append(bytes)
        bindings.append(documents)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(String.self) }
}

/// Takes the chain's head, locked until the commit (the next appender waits here).
struct LockHead: PostgresPreparedStatement {
    static let sql = "SELECT sequence, hash FROM chain_head WHERE id = 1 FOR UPDATE"
    typealias Row = (Int64, String?)

    func makeBindings() throws -> PostgresBindings { PostgresBindings() }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode((Int64, String?).self) }
}

/// When each of these escalation keys was first recorded.
struct FirstSeen: PostgresPreparedStatement {
    static let sql = """
        SELECT e.key, min(r.recorded_at) FROM escalations e JOIN records r ON r.sequence = e.record_sequence
        WHERE e.key = ANY($1::text[]) GROUP BY e.key
        """
    typealias Row = (String, Int64)

    let keys: [String]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(keys)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode((String, Int64).self) }
}

/// The records, their escalation rows, their notices and the new head, in one statement (one
/// round trip while the head is locked); its rows are the ids of the notices it queued.
struct WriteAppend: PostgresPreparedStatement {
    static let sql = """
        WITH recorded AS (
            INSERT INTO records (sequence, format, recorded_at, task_id, step_run_id, source, rule_set_name,
                rule_set_hash, snapshot_hash, evaluated_at, explained, decision, new_escalations, previous_hash, hash,
                shadow_rule_set_name, shadow_rule_set_hash, shadow_decision)
            SELECT sequence, format, recorded_at, NULLIF(task, ''), NULLIF(step, ''), source, rules_name, rules_hash,
                snapshot, NULLIF(evaluated, -9223372036854775808), explained, decision, marks, NULLIF(previous, ''), hash,
                NULLIF(shadow_name, ''), NULLIF(shadow_hash, ''), NULLIF(shadow, ''::bytea)
            FROM unnest($1::bigint[], $2::integer[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[],
                $8::text[], $9::text[], $10::bigint[], $11::boolean[], $12::bytea[], $13::text[], $14::text[],
                $15::text[], $16::text[], $17::text[], $18::bytea[])
                AS r(sequence, format, recorded_at, task, step, source, rules_name, rules_hash, snapshot, evaluated,
                    explained, decision, marks, previous, hash, shadow_name, shadow_hash, shadow)
        ), escalated AS (
            INSERT INTO escalations (record_sequence, position, key, is_new)
            SELECT * FROM unnest($19::bigint[], $20::integer[], $21::text[], $22::boolean[])
        ), head AS (
            UPDATE chain_head SET sequence = $23, hash = $24 WHERE id = 1
        ), queued AS (
            INSERT INTO notices (id, kind, escalation_key, record_sequence, created_at, task_id, step_run_id,
                task_url, recipients, severity, message, rules, rule_set_hash, state, next_attempt_at)
            SELECT id, kind, key, sequence, created, NULLIF(task, ''), NULLIF(step, ''), NULLIF(url, ''),
                recipients, severity, message, rules, rule_set, 'pending', created
            FROM unnest($25::text[], $26::text[], $27::text[], $28::bigint[], $29::bigint[], $30::text[], $31::text[],
                $32::text[], $33::text[], $34::text[], $35::text[], $36::text[], $37::text[])
                AS n(id, kind, key, sequence, created, task, step, url, recipients, severity, message, rules, rule_set)
            ON CONFLICT (id) DO NOTHING RETURNING id
        )
        SELECT id FROM queued
        """
    typealias Row = String

    let plan: AppendPlan

    func makeBindings() throws -> PostgresBindings {
        let records = plan.records
        let rows = plan.escalations
        let notices = plan.notices
        var bindings = PostgresBindings(capacity: 37)
        bindings.append(records.map(\.sequence))
        bindings.append(records.map { Int32($0.format) })
        bindings.append(records.map(\.recordedAt.millisecondsSinceEpoch))
        bindings.append(records.map { $0.taskID ?? "" })
        bindings.append(records.map { $0.stepRunID ?? "" })
        bindings.append(records.map(\.source))
        bindings.append(records.map(\.ruleSetName))
        bindings.append(records.map(\.ruleSetHash))
        bindings.append(records.map(\.snapshotHash))
        bindings.append(records.map { $0.evaluatedAt?.millisecondsSinceEpoch ?? Int64.min })
        bindings.append(records.map(\.explained))
        bindings.append(records.map { ByteBuffer(bytes: $0.decision) })
        bindings.append(records.map(\.newEscalationsText))
        bindings.append(records.map { $0.previousHash ?? "" })
        bindings.append(records.map(\.hash))
        bindings.append(records.map { $0.shadowRuleSetName ?? "" })
        bindings.append(records.map { $0.shadowRuleSetHash ?? "" })
        bindings.append(records.map { ByteBuffer(bytes: $0.shadowDecision ?? []) })
        bindings.append(rows.map(\.recordSequence))
        bindings.append(rows.map { Int32($0.position) })
        bindings.append(rows.map(\.key))
        bindings.append(rows.map(\.isNew))
        bindings.append(records.last?.sequence ?? 0)
        bindings.append(records.last?.hash ?? "")
        bindings.append(notices.map(\.id))
        bindings.append(notices.map(\.kind.rawValue))
        bindings.append(notices.map(\.escalationKey))
        bindings.append(notices.map(\.recordSequence))
        bindings.append(notices.map(\.createdAt))
        bindings.append(notices.map { $0.taskID ?? "" })
        bindings.append(notices.map { $0.stepRunID ?? "" })
        bindings.append(notices.map { $0.taskURL ?? "" })
        bindings.append(notices.map(\.recipients))
        bindings.append(notices.map(\.severity))
        bindings.append(notices.map(\.message))
        bindings.append(notices.map(\.rules))
        bindings.append(notices.map(\.ruleSetHash))
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(String.self) }
}
