import Logging

/// `LOG_FORMAT`: swift-log's plain text lines, or one JSON object a line.
public enum LogFormat: String, Sendable, CaseIterable {
    case text, json

    /// The handler `LoggingSystem.bootstrap` gets for `label`.
    public func handler(label: String, level: Logger.Level) -> any LogHandler {
        switch self {
        case .text:
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = level
            return handler
        case .json:
            return JSONLogHandler(label: label, level: level)
        }
    }
}
