import Foundation
import SQLKit

/// A reply's row as any replica reads it: enough to replay it or to follow it.
struct ReplySnapshot: Sendable {
    var conversationID: UUID
    var status: MessageStatus
    var reply: ReplyText
    var model: String?
    var usage: TokenUsage?

    func answer(messageID: UUID) -> ChatResponse {
        ChatResponse(
            response: reply.text, messageID: messageID.lowercasedString, conversationID: conversationID.lowercasedString,
            model: model ?? "", usage: usage ?? TokenUsage(promptTokens: 0, completionTokens: 0))
    }
}

/// The SQL of a reply's life after its turn is accepted: text saved in batches, leases, the
/// final write, and removing a failed turn. `owner` names this process in the rows it generates.
struct ReplyStore: Sendable {
    typealias Column = MessageStore.Column
    let writer: DatabaseWriter
    let owner: String
    /// On PostgreSQL: tell other replicas of each change (`ReplyChannel`).
    var notifies = false
    /// How long a reply's lease lasts; the generating process renews it well within that.
    static let lease: TimeInterval = 10

    /// Saves each reply's text so far and renews its lease, in one transaction for them all.
    func save(_ batches: [(id: UUID, reply: ReplyText)], now: Date = Date()) async throws {
        guard !batches.isEmpty else { return }
        let until = now.addingTimeInterval(Self.lease)
        try await writer.transaction { tx in
            for batch in batches {
                try await tx.update(MessageStore.table)
                    .set(Column.content, to: batch.reply.text).set(Column.deltaEnds, to: batch.reply.encodedEnds)
                    .set(Column.leaseExpiresAt, to: until)
                    .where(Column.id, .equal, batch.id).where(Column.status, .equal, MessageStatus.streaming.rawValue)
                    .run()
            }
            if notifies { try await ReplyChannel.notify(batches.map { $0.id.lowercasedString }, on: tx) }
        }
    }

    /// Renews the lease of every reply this process generates; returns those still streaming here,
    /// each with whether someone asked it to stop (a Stop sent to another replica).
    func renewLeases(now: Date = Date()) async throws -> [UUID: Bool] {
        let rows = try await writer.transaction { [owner] tx in
            try await tx.update(MessageStore.table)
                .set(Column.leaseExpiresAt, to: now.addingTimeInterval(Self.lease))
                .where(Column.owner, .equal, owner).where(Column.status, .equal, MessageStatus.streaming.rawValue)
                .returning(Column.id, Column.stopRequested)
                .all()
        }
        var running: [UUID: Bool] = [:]
        for row in rows { running[try row.decodeID(Column.id)] = try row.decode(column: Column.stopRequested, as: Bool.self) }
        return running
    }

    /// Marks `interrupted` every reply whose process stopped renewing its lease; returns their ids.
    /// Looks first (a read, on the partial index of streaming rows), so that an idle server writes nothing.
    func interruptLapsed(now: Date = Date()) async throws -> [UUID] {
        let lapsed = try await writer.sql.select().column(Column.id).from(MessageStore.table)
            .where(Column.status, .equal, MessageStatus.streaming.rawValue)
            .where(Column.leaseExpiresAt, .lessThan, now)
            .limit(1).first()
        guard lapsed != nil else { return [] }
        return try await writer.transaction { [notifies] tx in
            let ids = try await tx.update(MessageStore.table)
                .set(Column.status, to: MessageStatus.interrupted.rawValue)
                .set(Column.owner, to: SQLLiteral.null).set(Column.leaseExpiresAt, to: SQLLiteral.null)
                .where(Column.status, .equal, MessageStatus.streaming.rawValue)
                .where(Column.leaseExpiresAt, .lessThan, now)
                .returning(Column.id)
                .all().map { try $0.decodeID(Column.id) }
            try await SearchIndex.indexMessages(ids, on: tx)
            if notifies { try await ReplyChannel.notify(ids.map(\.lowercasedString), on: tx) }
            return ids
        }
    }

    /// Writes the reply's end; false when it was no longer streaming (a sweep ended it first).
    func finish(_ id: UUID, status: MessageStatus, reply: ReplyText, answer: ChatResponse) async throws -> Bool {
        try await writer.transaction { [notifies] tx in
            if notifies { try await ReplyChannel.notify([id.lowercasedString], on: tx) }
            let ended = try await tx.update(MessageStore.table)
                .set(Column.content, to: reply.text).set(Column.deltaEnds, to: reply.encodedEnds)
                .set(Column.status, to: status.rawValue).set(Column.isComplete, to: status == .complete)
                .set(Column.model, to: answer.model)
                .set(Column.promptTokens, to: answer.usage.promptTokens).set(Column.completionTokens, to: answer.usage.completionTokens)
                .set(Column.owner, to: SQLLiteral.null).set(Column.leaseExpiresAt, to: SQLLiteral.null)
                .where(Column.id, .equal, id).where(Column.status, .equal, MessageStatus.streaming.rawValue)
                .returning(Column.id)
                .first() != nil
            // A reply becomes findable when it ends, with its final text.
            if ended { try await SearchIndex.indexMessages([id], on: tx) }
            return ended
        }
    }

    /// Removes a failed turn as if it never was: its messages, its idempotency key, the
    /// conversation it created, the title it gave, and the branch it made current.
    func remove(_ turn: ChatService.Turn) async throws {
        try await writer.transaction { tx in
            if let idempotency = turn.idempotency {
                try await IdempotencyStore.release(idempotency, userID: turn.userID, messageID: turn.replyID, on: tx)
            }
            if turn.isNewConversation {
                _ = try await ConversationStore.delete(turn.conversationID, ownerID: turn.userID, on: tx)
                return
            }
            let ids = turn.newMessageIDs + [turn.replyID]
            // A turn started meanwhile on this one's reply keeps its place in the tree.
            try await tx.update(MessageStore.table).set(Column.parentID, to: turn.parentID)
                .where(SQLColumn(Column.parentID), .in, SQLBind.group(ids)).run()
            try await tx.delete(from: MessageStore.table).where(SQLColumn(Column.id), .in, SQLBind.group(ids)).run()
            let current = try await ConversationStore.find(turn.conversationID, ownerID: turn.userID, on: tx)?.currentMessageID
            if current == turn.replyID {
                try await MessageStore.markBranch(of: turn.conversationID, endingAt: turn.previousLeaf, on: tx)
                try await ConversationStore.setCurrent(turn.conversationID, to: turn.previousLeaf, on: tx)
            }
            if let title = turn.title {
                try await ConversationStore.untitle(turn.conversationID, ifTitled: title, on: tx)
                try await SearchIndex.indexTitle(of: turn.conversationID, on: tx)
            }
            if let previous = turn.previousUpdatedAt {
                try await ConversationStore.restoreUpdatedAt(turn.conversationID, to: previous, ifStill: turn.acceptedAt, on: tx)
            }
        }
    }

    /// Asks the process generating the reply to stop it: told at once on PostgreSQL, and in any
    /// case with its next lease renewal.
    func requestStop(_ id: UUID) async throws {
        _ = try await writer.transaction { [notifies] tx in
            try await tx.update(MessageStore.table).set(Column.stopRequested, to: true)
                .where(Column.id, .equal, id).where(Column.status, .equal, MessageStatus.streaming.rawValue)
                .run()
            if notifies { try await ReplyChannel.notify(["stop:" + id.lowercasedString], on: tx) }
        }
    }

    func snapshot(_ id: UUID) async throws -> ReplySnapshot? {
        guard let row = try await writer.sql.select()
            .columns(Column.conversationID, Column.status, Column.content, Column.deltaEnds, Column.model,
                     Column.promptTokens, Column.completionTokens)
            .from(MessageStore.table).where(Column.id, .equal, id)
            .first()
        else { return nil }
        let prompt: Int? = try row.decodeOptional(Column.promptTokens)
        let completion: Int? = try row.decodeOptional(Column.completionTokens)
        return ReplySnapshot(
            conversationID: try row.decodeID(Column.conversationID),
            status: try row.decode(column: Column.status, as: MessageStatus.self),
            reply: ReplyText(text: try row.decode(column: Column.content, as: String.self),
                             encodedEnds: try row.decode(column: Column.deltaEnds, as: String.self)),
            model: try row.decodeOptional(Column.model),
            usage: prompt.flatMap { prompt in completion.map { TokenUsage(promptTokens: prompt, completionTokens: $0) } })
    }
}
