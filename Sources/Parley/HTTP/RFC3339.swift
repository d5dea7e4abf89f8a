import Foundation

/// RFC 3339 in UTC with a `Z`, with milliseconds: the contract's timestamp format.
enum RFC3339 {
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    static func string(_ date: Date?) -> String {
        (date ?? Date(timeIntervalSince1970: 0)).formatted(style)
    }
}
