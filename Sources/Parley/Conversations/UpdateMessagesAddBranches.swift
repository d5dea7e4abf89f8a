import Fluent
import SQLKit

/// Conversations become trees and replies get a lifecycle: `parent_id`, `status` and `on_branch`
/// on messages, the reply's delta boundaries and lease, and `current_message_id` on
/// conversations. Existing messages are chained in their order, each conversation's current
/// branch is all of it, and a reply stored cut short (`is_complete` false) counts as interrupted.
struct UpdateMessagesAddBranches: AsyncMigration {
    func prepare(on database: any Database) async throws {
        typealias Column = MessageStore.Column
        // One column per statement: SQLite alters one thing at a time.
        let added: [(String, DatabaseSchema.DataType, [DatabaseSchema.FieldConstraint])] = [
            (Column.parentID, .uuid, []),
            (Column.status, .string, [.required, .sql(.default(MessageStatus.complete.rawValue))]),
            (Column.onBranch, .bool, [.required, .sql(.default(true))]),
            (Column.deltaEnds, .string, [.required, .sql(.default(""))]),
            (Column.leaseExpiresAt, .datetime, []),
            (Column.owner, .string, []),
            (Column.stopRequested, .bool, [.required, .sql(.default(false))]),
        ]
        for (name, type, constraints) in added {
            try await database.schema(MessageStore.table)
                .field(.definition(name: .key(.string(name)), dataType: type, constraints: constraints))
                .update()
        }
        try await database.schema(ConversationStore.table)
            .field(.string(ConversationStore.Column.currentMessageID), .uuid)
            .update()

        let sql = database.sql
        let messages = MessageStore.table, conversations = ConversationStore.table
        try await sql.update(messages).set(Column.status, to: MessageStatus.interrupted.rawValue)
            .where(Column.isComplete, .equal, false).run()
        try await sql.raw("""
            UPDATE \(ident: messages) SET \(ident: Column.parentID) = (
                SELECT p.\(ident: Column.id) FROM \(ident: messages) p
                WHERE p.\(ident: Column.conversationID) = \(ident: messages).\(ident: Column.conversationID)
                  AND p.\(ident: Column.position) < \(ident: messages).\(ident: Column.position)
                ORDER BY p.\(ident: Column.position) DESC LIMIT 1)
            """).run()
        try await sql.raw("""
            UPDATE \(ident: conversations) SET \(ident: ConversationStore.Column.currentMessageID) = (
                SELECT m.\(ident: Column.id) FROM \(ident: messages) m
                WHERE m.\(ident: Column.conversationID) = \(ident: conversations).\(ident: ConversationStore.Column.id)
                ORDER BY m.\(ident: Column.position) DESC LIMIT 1)
            """).run()
        // Children by parent (branch switches, sibling lists); running replies by owner and by
        // lease, partial so that they stay as small as the number of replies in progress.
        try await sql.create(index: "messages_parent_id_idx").on(messages).column(Column.parentID).run()
        for (name, column) in [("messages_streaming_owner_idx", Column.owner), ("messages_streaming_lease_idx", Column.leaseExpiresAt)] {
            try await sql.raw("""
                CREATE INDEX \(ident: name) ON \(ident: messages) (\(ident: column)) \
                WHERE \(ident: Column.status) = \(literal: MessageStatus.streaming.rawValue)
                """).run()
        }
    }

    func revert(on database: any Database) async throws {
        typealias Column = MessageStore.Column
        for name in ["messages_parent_id_idx", "messages_streaming_owner_idx", "messages_streaming_lease_idx"] {
            try await database.sql.drop(index: name).run()
        }
        try await database.schema(ConversationStore.table)
            .deleteField(.string(ConversationStore.Column.currentMessageID)).update()
        for name in [Column.parentID, Column.status, Column.onBranch, Column.deltaEnds, Column.leaseExpiresAt, Column.owner, Column.stopRequested] {
            try await database.schema(MessageStore.table).deleteField(.string(name)).update()
        }
    }
}
