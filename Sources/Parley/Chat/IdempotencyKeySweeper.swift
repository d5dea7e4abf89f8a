import Vapor

/// Deletes expired `Idempotency-Key` records every hour, so the table holds about a day of keys.
/// Each replica sweeps; the deletes are idempotent.
final class IdempotencyKeySweeper: LifecycleHandler, @unchecked Sendable {
    // Set once in didBoot, cancelled in shutdown, both on the application's lifecycle.
    private var task: Task<Void, Never>?
    static let interval: Duration = .seconds(3600)

    func didBootAsync(_ application: Application) async throws {
        let db = application.db
        let logger = application.logger
        task = Task {
            while !Task.isCancelled {
                do {
                    let deleted = try await IdempotencyStore.deleteExpired(on: db.sql)
                    if deleted > 0 { logger.debug("deleted \(deleted) expired idempotency keys") }
                } catch {
                    logger.warning("could not delete expired idempotency keys: \(String(reflecting: error))")
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
