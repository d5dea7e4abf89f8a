import Foundation
import Logging
import Synchronization

/// Keeps `last_used_at` without a write per request: a key's first use in this process is
/// written at once, later uses at most once a `interval` (so the column is accurate to a minute).
/// The write runs in the background; a request never waits for it.
final class KeyUseRecorder: Sendable {
    static let interval: TimeInterval = 60
    private let written = Mutex<[UUID: Date]>([:])
    private let writer: DatabaseWriter
    private let logger: Logger

    /// Whether a use at `now` is to be written (and, if so, counts as written): the key's first
    /// use here, or its first since `interval` after the last write.
    func claimWrite(_ keyID: UUID, now: Date) -> Bool {
        written.withLock { written in
            if let last = written[keyID], now.timeIntervalSince(last) < Self.interval { return false }
            written[keyID] = now
            return true
        }
    }

    init(writer: DatabaseWriter, logger: Logger) {
        self.writer = writer
        self.logger = logger
    }

    func used(_ keyID: UUID, now: Date = Date()) {
        guard claimWrite(keyID, now: now) else { return }
        Task { [writer, logger] in
            do {
                try await writer.transaction { try await APIKeyStore.touch([keyID], at: now, on: $0) }
            } catch {
                logger.warning("api keys: could not record the use of key \(keyID): \(String(reflecting: error))")
            }
        }
    }
}
