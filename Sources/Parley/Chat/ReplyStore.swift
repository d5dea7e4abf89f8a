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
    static let lease: TimeInterval = 8

    /// Saves each reply's text so far and renews its lease, in one transaction for them all, a few
    /// hundred rows per statement (with a thousand replies streaming, a statement per row kept the
    /// database busy for a second of every quarter).
    func save(_ batches: [(id: UUID, reply: ReplyText)], now: Date = Date()) async throws {
        guard !batches.isEmpty else { return }
        let until = now.addingTimeInterval(Self.lease)
        try await writer.transaction { [notifies] tx in
            let postgres = tx.dialect.name == "postgresql"
            for start in stride(from: 0, to: batches.count, by: Self.rowsPerStatement) {
                let rows = batches[start..<min(start + Self.rowsPerStatement, batches.count)].map { batch -> any SQLExpression in
                    postgres
                        ? SQLQueryString("(\(bind: batch.id)::uuid, \(bind: batch.reply.text)::text, \(bind: batch.reply.encodedEnds)::text)")
                        : SQLQueryString("(\(bind: batch.id), \(bind: batch.reply.text), \(bind: batch.reply.encodedEnds))")
                }
                // SQLite names a VALUES list's columns column1, column2…; PostgreSQL takes names.
                let (alias, id, text, ends) = postgres ? ("v(id, content, ends)", "v.id", "v.content", "v.ends") : ("v", "v.column1", "v.column2", "v.column3")
                try await tx.raw("""
                    UPDATE \(ident: MessageStore.table) SET \(ident: Column.content) = \(unsafeRaw: text),
                        \(ident: Column.deltaEnds) = \(unsafeRaw: ends), \(ident: Column.leaseExpiresAt) = \(bind: until)
                    FROM (VALUES \(SQLList(rows))) AS \(unsafeRaw: alias)
                    WHERE \(ident: MessageStore.table).\(ident: Column.id) = \(unsafeRaw: id)
                      AND \(ident: MessageStore.table).\(ident: Column.status) = \(bind: MessageStatus.streaming.rawValue)
                    """).run()
            }
            if notifies { try await ReplyChannel.notify(batches.map { $0.id.lowercasedString }, on: tx) }
        }
    }

    /// Three bound values a row: well under SQLite's limit of 32 766 per statement.
    static let rowsPerStatement = 200

    /// Renews the lease of the replies this process is generating; returns those still streaming
    /// here, each with whether someone asked it to stop (a Stop sent to another replica). Only the
    /// live ones: a row this process failed to finish must lapse, to be swept.
    func renewLeases(of ids: [UUID], now: Date = Date()) async throws -> [UUID: Bool] {
        let rows = try await writer.transaction { [owner] tx in
            var rows: [any SQLRow] = []
            for start in stride(from: 0, to: ids.count, by: 1000) {
                rows += try await tx.update(MessageStore.table)
                    .set(Column.leaseExpiresAt, to: now.addingTimeInterval(Self.lease))
                    .where(SQLColumn(Column.id), .in, SQLBind.group(Array(ids[start..<min(start + 1000, ids.count)])))
                    .where(Column.owner, .equal, owner).where(Column.status, .equal, MessageStatus.streaming.rawValue)
                    .returning(Column.id, Column.stopRequested)
                    .all()
            }
            return rows
        }
        var running: [UUID: Bool] = [:]
        for row in rows { running[try row.decodeID(Column.id)] = try row.decode(column: Column.stopRequested, as: Bool.self) }
        return running
    }

    /// Marks `interrupted` every reply whose lease lapsed, but those this process is generating
    /// (alive, if slow); returns their ids. Looks first (a read, on the partial index of streaming
    /// rows), so that an idle server writes nothing.
    func interruptLapsed(sparing live: Set<UUID>, now: Date = Date()) async throws -> [UUID] {
        let lapsed = try await writer.sql.select().column(Column.id).from(MessageStore.table)
            .where(Column.status, .equal, MessageStatus.streaming.rawValue)
            .where(Column.leaseExpiresAt, .lessThan, now)
            .limit(500).all().map { try $0.decodeID(Column.id) }.filter { !live.contains($0) }
        guard !lapsed.isEmpty else { return [] }
        return try await writer.transaction { [notifies] tx in
            let ids = try await tx.update(MessageStore.table)
                .set(Column.status, to: MessageStatus.interrupted.rawValue)
                .set(Column.owner, to: SQLLiteral.null).set(Column.leaseExpiresAt, to: SQLLiteral.null)
                .where(SQLColumn(Column.id), .in, SQLBind.group(lapsed))
                .where(Column.status, .equal, MessageStatus.streaming.rawValue)
                .where(Column.leaseExpiresAt, .lessThan, now)
                .returning(Column.id)
                .all().map { try $0.decodeID(Column.id) }
            try await SearchIndex.indexMessages(ids, on: tx)
            if notifies { try await ReplyChannel.notify(ids.map(\.lowercasedString), on: tx) }
            return ids
        }
    }

    /// Writes the reply's end and adds its tokens to its user's month (spent either way); false
    /// when it was no longer streaming (a sweep ended it first).
    func finish(_ id: UUID, status: MessageStatus, reply: ReplyText, answer: ChatResponse, userID: UUID, conversationID: UUID) async throws -> Bool {
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
            try await UsageStore.add(answer.usage.promptTokens + answer.usage.completionTokens, to: userID, in: UsageStore.month(of: Date()), on: tx)
            // A reply becomes findable when it ends, with its final text.
            if ended {
                try await SearchIndex.indexMessages(ownerID: userID, conversationID: conversationID, [(id, reply.text)], on: tx)
            }
            return ended
        }
    }

    /// Removes a failed turn as if it never was: its messages, its idempotency key, the
    /// conversation it created, the title it gave, and the branch it made current. Only while the
    /// reply is still streaming under this process's name: a reply a sweep ended (this process was
    /// frozen past its lease) stays `interrupted`, with its key. Returns whether it removed the turn.
    @discardableResult
    func remove(_ turn: ChatService.Turn) async throws -> Bool {
        try await writer.transaction { [owner] tx in
            // Where the turn hangs in the tree now: a turn removed before it may have moved it up.
            let first = turn.newMessageIDs.first ?? turn.replyID
            let parent: UUID? = try await tx.select().column(Column.parentID).from(MessageStore.table)
                .where(Column.id, .equal, first).first()
                .flatMap { try $0.decodeOptional(Column.parentID, as: String.self) }.flatMap(UUID.init(canonicalText:))
            guard try await tx.delete(from: MessageStore.table)
                .where(Column.id, .equal, turn.replyID).where(Column.status, .equal, MessageStatus.streaming.rawValue)
                .where(Column.owner, .equal, owner)
                .returning(Column.id).first() != nil
            else { return false }
            if let idempotency = turn.idempotency {
                try await IdempotencyStore.release(idempotency, userID: turn.userID, messageID: turn.replyID, on: tx)
            }
            let ids = turn.newMessageIDs + [turn.replyID]
            // A turn started meanwhile on this one's reply keeps its place in the tree.
            try await tx.update(MessageStore.table).set(Column.parentID, to: parent)
                .where(SQLColumn(Column.parentID), .in, SQLBind.group(ids)).run()
            if !turn.newMessageIDs.isEmpty {
                try await tx.delete(from: MessageStore.table).where(SQLColumn(Column.id), .in, SQLBind.group(turn.newMessageIDs)).run()
            }
            if turn.isNewConversation, try await tx.count(in: MessageStore.table, where: Column.conversationID, is: turn.conversationID) == 0 {
                _ = try await ConversationStore.delete(turn.conversationID, ownerID: turn.userID, on: tx)
                return true
            }
            let current = try await ConversationStore.find(turn.conversationID, ownerID: turn.userID, on: tx)?.currentMessageID
            if current == turn.replyID {
                // Back to the branch the turn left, or, when that is gone too, to where the turn hung.
                var leaf = parent
                if let previous = turn.previousLeaf, try await MessageStore.node(previous, in: turn.conversationID, on: tx) != nil {
                    leaf = previous
                }
                try await MessageStore.markBranch(of: turn.conversationID, endingAt: leaf, on: tx)
                try await ConversationStore.setCurrent(turn.conversationID, to: leaf, on: tx)
            }
            if let title = turn.title {
                try await ConversationStore.untitle(turn.conversationID, ifTitled: title, on: tx)
                try await SearchIndex.indexTitle(of: turn.conversationID, on: tx)
            }
            if let previous = turn.previousUpdatedAt {
                try await ConversationStore.restoreUpdatedAt(turn.conversationID, to: previous, ifStill: turn.acceptedAt, on: tx)
            }
            return true
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
