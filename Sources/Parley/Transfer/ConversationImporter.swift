import Foundation
import SQLKit

/// Stores an imported conversation for its new owner in one transaction: new ids (importing a
/// file twice makes two copies), the file's timestamps, its tree and current branch, and its
/// search entries.
enum ConversationImporter {
    /// Rows per INSERT: SQLite allows 32 766 bound values per statement, a message takes 15.
    static let insertBatch = 500

    /// Returns how many messages were stored.
    static func store(_ conversation: ImportedConversation, ownerID: UUID, writer: DatabaseWriter) async throws -> Int {
        var ids: [String: UUID] = [:]
        var rows: [MessageRow] = []
        let conversationID = UUID()
        for (position, message) in conversation.messages.enumerated() {
            let id = UUID()
            ids[message.key] = id
            rows.append(MessageRow(
                id: id, conversationID: conversationID, parentID: message.parentKey.flatMap { ids[$0] }, role: message.role,
                content: message.content, position: position, createdAt: message.createdAt, status: message.status,
                model: message.model, promptTokens: message.usage?.promptTokens, completionTokens: message.usage?.completionTokens))
        }
        let leaf = conversation.currentKey.flatMap { ids[$0] } ?? rows.last?.id
        let row = ConversationRow(
            id: conversationID, userID: ownerID, title: conversation.title, createdAt: conversation.createdAt,
            updatedAt: conversation.updatedAt, currentMessageID: leaf)
        try await writer.transaction { [rows] tx in
            try await ConversationStore.insert(row, on: tx)
            var start = 0
            while start < rows.count {
                let batch = Array(rows[start..<min(start + insertBatch, rows.count)])
                try await MessageStore.insert(batch, on: tx)
                try await SearchIndex.indexMessages(ownerID: ownerID, conversationID: conversationID,
                                                    batch.map { ($0.id, $0.content) }, on: tx)
                start += insertBatch
            }
            try await MessageStore.markBranch(of: conversationID, endingAt: leaf, on: tx)
            try await SearchIndex.indexTitle(of: conversationID, on: tx)
        }
        return rows.count
    }
}
