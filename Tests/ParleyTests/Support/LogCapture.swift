import Logging
import NIOConcurrencyHelpers

/// Keeps every log entry written through `logger`, for tests that check what was logged.
final class LogCapture: Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
    }

    private let entries = NIOLockedValueBox<[Entry]>([])

    var all: [Entry] { entries.withLockedValue { $0 } }
    var messages: [String] { all.map(\.message) }

    var logger: Logger {
        var logger = Logger(label: "parley-tests") { _ in Handler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    fileprivate func append(_ entry: Entry) {
        entries.withLockedValue { $0.append(entry) }
    }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
                 file: String, function: String, line: UInt) {
            capture.append(Entry(level: level, message: message.description, metadata: self.metadata.merging(metadata ?? [:]) { $1 }))
        }
    }
}
