import Foundation
import SQLKit
import Vapor

/// Writes conversations into a streamed response: as Parley's JSON (every branch), or as
/// Markdown (the current branch). Messages are read in pieces (`MessageStore.page`), so a
/// conversation of any size costs one piece of memory.
enum ConversationExport {
    /// `{…the conversation…, "messages": [every message]}`.
    static func writeJSON(_ conversation: ConversationRow, to stream: JSONStreamWriter, on db: any SQLDatabase) async throws {
        let head = try stream.json(ConversationPublic(conversation))
        try await stream.raw(String(head.dropLast()) + #","messages":["#)
        stream.resetItems()
        try await eachPiece(of: conversation.id, allBranches: true, on: db) { piece in
            for message in piece { try await stream.append(ExportedMessage(message)) }
        }
        try await stream.raw("]}")
    }

    /// The current branch as a readable document: a heading per message, its text as written.
    static func writeMarkdown(_ conversation: ConversationRow, to stream: JSONStreamWriter, on db: any SQLDatabase) async throws {
        try await stream.raw("# \(conversation.title)\n\n_Exported from Parley, \(RFC3339.string(Date()))_\n")
        try await eachPiece(of: conversation.id, allBranches: false, on: db) { piece in
            for message in piece {
                var heading = message.role.rawValue.capitalized
                if let model = message.model { heading += " (\(model))" }
                if message.status != .complete { heading += ", \(message.status.rawValue)" }
                try await stream.raw("\n## \(heading) · \(RFC3339.string(message.createdAt))\n\n\(message.content)\n")
            }
        }
    }

    /// Every message (or the current branch's) in order, a piece at a time.
    static func eachPiece(of conversationID: UUID, allBranches: Bool, on db: any SQLDatabase,
                          _ body: ([ListedMessage]) async throws -> Void) async throws {
        var after: Int?
        var skip = 0
        while true {
            let piece = try await MessageStore.page(of: conversationID, allBranches: allBranches, skip: skip, after: after,
                                                    limit: 1000, on: db)
            try await body(piece.messages)
            guard let last = piece.last, piece.cut || piece.messages.count == 1000 else { return }
            after = last
            skip = 0
        }
    }

    /// `Content-Disposition` for a download named after the conversation: an ASCII fallback and
    /// the UTF-8 name (RFC 6266).
    static func attachment(_ title: String, extension ext: String) -> String {
        let safe = String(title.unicodeScalars.map { scalar -> Character in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "-" || scalar == "_")
                ? Character(scalar) : "_"
        }.prefix(80))
        let encoded = title.prefix(80).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? safe
        return "attachment; filename=\"\(safe.isEmpty ? "conversation" : safe).\(ext)\"; filename*=UTF-8''\(encoded).\(ext)"
    }
}
