import Foundation
import Logging
import NIOConcurrencyHelpers

/// `LOG_FORMAT=json`: one JSON object a line (timestamp, level, message, metadata, label), for
/// log collectors. JSON escaping also keeps anything a client sent inside its own line.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level
    private let label: String
    private let write: @Sendable (String) -> Void

    /// `write` gets each line without its newline; standard output by default.
    public init(
        label: String, level: Logger.Level = .info, metadataProvider: Logger.MetadataProvider? = nil,
        write: @escaping @Sendable (String) -> Void = JSONLogHandler.writeToStandardOutput
    ) {
        self.label = label
        self.logLevel = level
        self.metadataProvider = metadataProvider
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(
        level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?,
        source: String, file: String, function: String, line: UInt
    ) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let explicit { merged.merge(explicit) { $1 } }
        let object: [String: Any] = [
            "timestamp": Date().formatted(Self.timestampStyle),
            "level": level.rawValue,
            "message": message.description,
            "metadata": merged.mapValues(Self.json),
            "label": label,
        ]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        write(String(decoding: data, as: UTF8.self))
    }

    private static let timestampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    private static func json(_ value: Logger.MetadataValue) -> Any {
        switch value {
        case let .string(text): text
        case let .stringConvertible(convertible): convertible.description
        case let .array(values): values.map(json)
        case let .dictionary(values): values.mapValues(json)
        }
    }

    private static let standardOutputLock = NIOLock()

    /// One write per line under a lock, so lines from different threads never interleave.
    public static let writeToStandardOutput: @Sendable (String) -> Void = { line in
        standardOutputLock.withLock { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
    }
}
