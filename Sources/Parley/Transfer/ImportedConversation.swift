import Foundation

/// A conversation read from an import file, whichever format it came in, ready to be stored:
/// its messages in creation order (a parent always before its children), each naming its parent
/// by the file's own key.
struct ImportedConversation: Sendable {
    struct Message: Sendable {
        var key: String
        var parentKey: String?
        var role: MessageRole
        var content: String
        var status: MessageStatus
        var model: String?
        var createdAt: Date
        var usage: TokenUsage?
    }

    var title: String
    var createdAt: Date
    var updatedAt: Date
    var messages: [Message]
    /// The message whose branch is current (nil: the last message's).
    var currentKey: String?
    /// Parts of messages (or whole messages) that are not text and were left out.
    var skipped: Int

    /// From Parley's own export.
    init(parley export: ExportedConversation) {
        var skipped = 0
        var kept: [Message] = []
        var parentOf: [String: String?] = [:]
        let fallback = ImportDates.parse(export.created_at) ?? Date()
        for message in export.messages {
            parentOf[message.id] = message.parent_id
            guard let role = MessageRole(rawValue: message.role) else { skipped += 1; continue }
            let status = message.status.flatMap(MessageStatus.init(rawValue:)) ?? .complete
            kept.append(Message(
                key: message.id, parentKey: message.parent_id, role: role, content: message.content,
                // Nothing will ever finish a reply that was being written when it was exported.
                status: status == .streaming ? .interrupted : status, model: message.model,
                createdAt: ImportDates.parse(message.created_at) ?? fallback, usage: message.usage))
        }
        self.init(title: export.title ?? ConversationRow.defaultTitle, createdAt: fallback,
                  updatedAt: ImportDates.parse(export.updated_at) ?? fallback, messages: kept,
                  currentKey: export.current_message_id, skipped: skipped, parentOf: parentOf)
    }

    /// Drops what cannot be stored and links each kept message to its nearest kept ancestor
    /// (`parentOf` holds every message of the file, kept or not).
    init(title: String, createdAt: Date, updatedAt: Date, messages: [Message], currentKey: String?, skipped: Int,
         parentOf: [String: String?]) {
        let keys = Set(messages.map(\.key))
        func nearestKept(_ key: String?) -> String? {
            var key = key
            var seen = Set<String>()
            while let current = key, !keys.contains(current) {
                guard seen.insert(current).inserted else { return nil }
                key = parentOf[current] ?? nil
            }
            return key
        }
        var placed = Set<String>()
        var ordered: [Message] = []
        for var message in messages {
            message.parentKey = nearestKept(message.parentKey)
            // A parent that comes later in the file (or a cycle) cannot be honoured: a new root.
            if let parent = message.parentKey, !placed.contains(parent) { message.parentKey = nil }
            message.content = message.content.replacingOccurrences(of: "\u{0}", with: "")
            placed.insert(message.key)
            ordered.append(message)
        }
        let trimmed = title.replacingOccurrences(of: "\u{0}", with: "").trimmingCharacters(in: .whitespacesAndNewlines)
        self.title = trimmed.isEmpty ? ConversationRow.defaultTitle
            : String(String.UnicodeScalarView(trimmed.unicodeScalars.prefix(Limits.Conversation.title.upperBound)))
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.messages = ordered
        self.currentKey = nearestKept(currentKey)
        self.skipped = skipped
    }
}

/// Timestamps of import files: RFC 3339 with or without fractional seconds.
enum ImportDates {
    /// Seconds since 1970 from a file: nil unless a time RFC 3339 can write.
    static func date(_ seconds: Double?) -> Date? {
        guard let seconds, seconds.isFinite, RFC3339.writable.contains(seconds) else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }

    static func parse(_ text: String?) -> Date? {
        guard let text else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let date = formatter.date(from: text) ?? {
            formatter.formatOptions = [.withInternetDateTime]
            return formatter.date(from: text)
        }(), RFC3339.writable.contains(date.timeIntervalSince1970) else { return nil }
        // Exports show milliseconds. As a Double near 1.7e9 s, .377 may be .37699…, which
        // PostgreSQL's microseconds keep as .376999 and a re-export shows as .376: stored half a
        // millisecond in, the time reads back as the millisecond the file said.
        return Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000 + 0.000_5)
    }
}
