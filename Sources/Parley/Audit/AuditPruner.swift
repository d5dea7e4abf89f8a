import Vapor

/// Deletes audit entries older than `AUDIT_RETENTION_DAYS`, at start and then every hour.
/// Each replica prunes; the deletes are idempotent.
final class AuditPruner: LifecycleHandler, @unchecked Sendable {
    // Set once in didBoot, cancelled in shutdown, both on the application's lifecycle.
    private var task: Task<Void, Never>?
    static let interval: Duration = .seconds(3600)
    let retentionDays: Int

    init(retentionDays: Int) {
        self.retentionDays = retentionDays
    }

    func didBootAsync(_ application: Application) async throws {
        let db = application.db
        let logger = application.logger
        let retention = TimeInterval(retentionDays) * 86_400
        task = Task {
            while !Task.isCancelled {
                do {
                    let deleted = try await AuditStore.prune(before: Date().addingTimeInterval(-retention), on: db.sql)
                    if deleted > 0 { logger.info("audit: pruned \(deleted) entries older than \(self.retentionDays) days") }
                } catch {
                    logger.warning("audit: could not prune old entries: \(String(reflecting: error))")
                }
                try? await Task.sleep(for: Self.interval)
            }
        }
    }

    func shutdownAsync(_ application: Application) async {
        task?.cancel()
        await task?.value
    }
}
