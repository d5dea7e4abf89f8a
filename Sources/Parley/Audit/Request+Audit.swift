import Fluent
import SQLKit
import Vapor

/// Who acts and from where, for the audit entries a service writes: built from the request,
/// handed to services so they need not know HTTP.
struct Auditor: Sendable {
    var actorID: UUID?
    var ip: String?
    var requestID: String?

    func entry(_ action: String, target: String? = nil, actorID: UUID? = nil) -> AuditEntry {
        AuditEntry(actorID: actorID ?? self.actorID, action: action, target: target, ip: ip, requestID: requestID)
    }
}

extension Request {
    var auditor: Auditor {
        var requestID: String?
        if case let .string(id)? = logger[metadataKey: "request-id"] { requestID = id }
        return Auditor(actorID: try? requireUser().id, ip: clientAddress, requestID: requestID)
    }

    /// An entry for `action` by the signed-in user (if any), with this request's address and id.
    func audit(_ action: String, target: String? = nil) -> AuditEntry {
        auditor.entry(action, target: target)
    }
}

extension AuditStore {
    /// Runs `change` and appends `entries` in one transaction (within the caller's, when `db`
    /// already is one), so an entry exists exactly when its change does.
    static func recording<T: Sendable>(
        _ entries: [AuditEntry], on db: any SQLDatabase, _ change: @escaping @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T {
        guard !entries.isEmpty else { return try await change(db) }
        let work: @Sendable (any SQLDatabase) async throws -> T = { tx in
            let result = try await change(tx)
            for entry in entries { try await append(entry, on: tx) }
            return result
        }
        if let fluent = db as? any Database { return try await fluent.sqlTransaction(work) }
        return try await work(db)
    }
}
