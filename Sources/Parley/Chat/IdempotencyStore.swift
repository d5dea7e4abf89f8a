import Crypto
import Fluent
import Foundation
import SQLKit

/// `Idempotency-Key`: per user, 24 hours; the same key with a different body is a conflict.
///
/// A key is claimed in the transaction that accepts its turn, naming the turn's reply: two
/// requests racing with one key never both reach the provider (the loser's claim finds the row and
/// attaches to the winner's reply), and a retry at any time, on any replica, attaches to that
/// reply or replays it. Removing a failed turn releases its key in the same transaction.
enum IdempotencyStore {
    static let table = "idempotency_keys"
    enum Column {
        static let id = "id", userID = "user_id", key = "key", requestHash = "request_hash"
        static let response = "response", createdAt = "created_at", messageID = "message_id"
    }
    static let lifetime: TimeInterval = 24 * 60 * 60
    /// Rows written before replies had ids here were reservations renewed while the model
    /// answered; one left that long belongs to a process that died.
    static let abandonedAfter: TimeInterval = 60

    struct Entry: Sendable {
        var key: String
        /// SHA-256 of the request body in canonical form.
        var requestHash: String
    }

    enum Lookup: Sendable {
        /// Never used (or expired): the request runs.
        case unused
        /// Used for this reply: attach to it.
        case reply(UUID)
        /// Answered before replies had ids here.
        case replay(ChatResponse)
        case conflict
        case inProgress
    }

    static func entry(key: String?, request: ChatRequest) throws -> Entry? {
        guard let key else { return nil }
        let length = Limits.Chat.idempotencyKeyBytes
        guard length.contains(key.utf8.count), key.unicodeScalars.allSatisfy({ $0.value >= 0x21 && $0.value <= 0x7E }) else {
            throw ValidationFailure(loc: ["header", "idempotency-key"],
                                    msg: "Idempotency-Key must be \(length.lowerBound) to \(length.upperBound) visible ASCII characters", type: "value_error")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let digest = SHA256.hash(data: try encoder.encode(request))
        return Entry(key: key, requestHash: digest.map { String(format: "%02x", $0) }.joined())
    }

    static func lookup(_ entry: Entry, userID: UUID, on db: any SQLDatabase, now: Date = Date()) async throws -> Lookup {
        guard let existing = try await db.select()
            .columns(Column.id, Column.requestHash, Column.response, Column.createdAt, Column.messageID).from(table)
            .where(Column.userID, .equal, userID).where(Column.key, .equal, entry.key)
            .first()
        else { return .unused }
        let response = try existing.decode(column: Column.response, as: String.self)
        let messageID: String? = try existing.decodeOptional(Column.messageID)
        let age = now.timeIntervalSince(try existing.decode(column: Column.createdAt, as: Date.self))
        if age >= lifetime || (messageID == nil && response.isEmpty && age >= abandonedAfter) {
            try await db.delete(from: table).where(Column.id, .equal, try existing.decodeID(Column.id)).run()
            return .unused
        }
        guard try existing.decode(column: Column.requestHash, as: String.self) == entry.requestHash else { return .conflict }
        if let id = messageID.flatMap(UUID.init(canonicalText:)) { return .reply(id) }
        guard !response.isEmpty else { return .inProgress }
        return .replay(try JSONDecoder().decode(ChatResponse.self, from: Data(response.utf8)))
    }

    /// Claims the key for `messageID`, in the transaction that accepts the turn; false when the
    /// key is taken already.
    static func claim(_ entry: Entry, userID: UUID, messageID: UUID, on db: any SQLDatabase, now: Date = Date()) async throws -> Bool {
        try await db.insert(into: table)
            .columns(Column.id, Column.userID, Column.key, Column.requestHash, Column.response, Column.createdAt, Column.messageID)
            .values(UUID(), userID, entry.key, entry.requestHash, "", now, messageID)
            .ignoringConflicts(with: [Column.userID, Column.key])
            .returning(Column.id)
            .first() != nil
    }

    /// Frees the key of a turn that was removed (its provider failed), or of a reply that is gone.
    static func release(_ entry: Entry, userID: UUID, messageID: UUID, on db: any SQLDatabase) async throws {
        try await db.delete(from: table)
            .where(Column.userID, .equal, userID).where(Column.key, .equal, entry.key).where(Column.messageID, .equal, messageID)
            .run()
    }

    /// Deletes every key past its 24 hours; returns how many.
    @discardableResult
    static func deleteExpired(now: Date = Date(), on db: any SQLDatabase) async throws -> Int {
        try await db.delete(from: table)
            .where(Column.createdAt, .lessThan, now.addingTimeInterval(-lifetime))
            .returning(Column.id)
            .all().count
    }
}

struct CreateIdempotencyKeys: AsyncMigration {
    func prepare(on database: any Database) async throws {
        typealias Column = IdempotencyStore.Column
        try await database.schema(IdempotencyStore.table)
            .id()
            .field(.string(Column.userID), .uuid, .required, .references(UserStore.table, "id", onDelete: .cascade))
            .field(.string(Column.key), .string, .required)
            .field(.string(Column.requestHash), .string, .required)
            .field(.string(Column.response), .string, .required)
            .field(.string(Column.createdAt), .datetime)
            .unique(on: .string(Column.userID), .string(Column.key), name: "idempotency_keys_user_id_key_key")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(IdempotencyStore.table).delete()
    }
}

/// A key names the reply it was used for (see `IdempotencyStore`).
struct UpdateIdempotencyKeysAddMessage: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(IdempotencyStore.table)
            .field(.string(IdempotencyStore.Column.messageID), .uuid)
            .update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(IdempotencyStore.table).deleteField(.string(IdempotencyStore.Column.messageID)).update()
    }
}
