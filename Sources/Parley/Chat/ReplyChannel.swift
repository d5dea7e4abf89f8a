import Logging
import FluentPostgresDriver
import SQLKit

/// How replicas on PostgreSQL tell each other about replies, through the database they share and
/// nothing else: `NOTIFY parley_replies` with reply ids (their text or end changed) or `stop:`
/// ids (a Stop sent to another replica), and one `LISTEN` connection per process that hands
/// each to `ReplyRuns`. Notifications are only a shortcut: followers also re-read on a timer
/// and lease renewals carry stop requests, so a lost one costs time, never text.
enum ReplyChannel {
    static let name = "parley_replies"
    /// PostgreSQL's payload limit is 8 000 bytes: a notification carries at most this many ids.
    static let idsPerNotification = 150

    /// Queues notifications for `payloads` in the current transaction (sent when it commits).
    static func notify(_ payloads: [String], on db: any SQLDatabase) async throws {
        for start in stride(from: 0, to: payloads.count, by: idsPerNotification) {
            let payload = payloads[start..<min(start + idsPerNotification, payloads.count)].joined(separator: ",")
            try await db.raw("SELECT pg_notify(\(bind: name), \(bind: payload))").run()
        }
    }

    /// Listens until cancelled, reconnecting with backoff, and hands every payload's parts over.
    static func listen(configuration: PostgresConnection.Configuration, logger: Logger,
                       received: @escaping @Sendable (Substring) -> Void) async {
        var backoff: Duration = .milliseconds(100)
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
                do {
                    try await connection.listen(on: name) { notifications in
                        backoff = .milliseconds(100)
                        for try await notification in notifications {
                            for part in notification.payload.split(separator: ",") { received(part) }
                        }
                    }
                } catch {
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
            } catch {
                guard !Task.isCancelled else { return }
                logger.warning("chat: the LISTEN connection for replies failed, reconnecting in \(backoff): \(String(reflecting: error))")
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
            }
        }
    }
}
