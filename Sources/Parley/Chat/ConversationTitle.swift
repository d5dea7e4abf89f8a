import Foundation

/// A conversation's title from its first user message: reasoning blocks removed, whitespace
/// folded, cut at a word boundary to at most 60 code points.
enum ConversationTitle {
    static let maxLength = 60

    static func from(_ message: String) -> String? {
        let withoutThinking = message.replacingOccurrences(
            of: "<think>[\\s\\S]*?(</think>|$)", with: " ", options: [.regularExpression, .caseInsensitive])
        let words = withoutThinking.split(whereSeparator: { $0.isWhitespace || $0.isNewline })
        guard !words.isEmpty else { return nil }
        var title = ""
        for word in words {
            let candidate = title.isEmpty ? String(word) : title + " " + word
            if candidate.unicodeScalars.count > maxLength {
                if title.isEmpty {
                    // One word longer than the limit: cut it on a character boundary.
                    var cut = ""
                    for character in word {
                        guard (cut + String(character)).unicodeScalars.count <= maxLength else { break }
                        cut.append(character)
                    }
                    title = cut
                }
                break
            }
            title = candidate
        }
        return title.isEmpty ? nil : title
    }
}
