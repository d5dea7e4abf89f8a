import Crypto
import Fluent
import Foundation
import SQLKit

/// `Idempotency-Key`: per user, 24 hours; the same key with a different body is a conflict.
///
/// A key is reserved before the provider is called (a row with an empty `response`), so two
/// requests racing with one key never both reach the provider: the loser sees the reservation.
/// The turn's transaction fills the response in; a failure releases the reservation, so the
/// client's retry runs afresh. Rows live in the database, so every replica sees them.
enum IdempotencyStore {
    static let table = "idempotency_keys"
    enum Column {
        static let id = "id", userID = "user_id", key = "key", requestHash = "request_hash"
        static let response = "response", createdAt = "created_at"
    }
    static let lifetime: TimeInterval = 24 * 60 * 60
    /// A turn renews its reservation this often while the model answers...
    static let renewEvery: Duration = .seconds(20)
    /// ...so one not renewed for this long belongs to a process that died mid-turn: it is taken over.
    static let abandonedAfter: TimeInterval = 60

    struct Entry: Sendable {
        var key: String
        /// SHA-256 of the request body in canonical form.
        var requestHash: String
    }

    enum Reservation: Sendable {
        case reserved
        case replay(ChatResponse)
        case conflict
        case inProgress
    }

    static func entry(key: String?, request: ChatRequest) throws -> Entry? {
        guard let key else { return nil }
        guard (1...255).contains(key.utf8.count), key.unicodeScalars.allSatisfy({ $0.value >= 0x21 && $0.value <= 0x7E }) else {
            throw ValidationFailure(loc: ["header", "idempotency-key"], msg: "Idempotency-Key must be 1 to 255 visible ASCII characters", type: "value_error")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let digest = SHA256.hash(data: try encoder.encode(request))
        return Entry(key: key, requestHash: digest.map { String(format: "%02x", $0) }.joined())
    }

    static func reserve(_ entry: Entry, userID: UUID, on db: any SQLDatabase, now: Date = Date()) async throws -> Reservation {
        for _ in 0..<2 {
            let inserted = try await db.insert(into: table)
                .columns(Column.id, Column.userID, Column.key, Column.requestHash, Column.response, Column.createdAt)
                .values(UUID(), userID, entry.key, entry.requestHash, "", now)
                .ignoringConflicts(with: [Column.userID, Column.key])
                .returning(Column.id)
                .first()
            if inserted != nil { return .reserved }
            guard let existing = try await db.select()
                .columns(Column.id, Column.requestHash, Column.response, Column.createdAt).from(table)
                .where(Column.userID, .equal, userID).where(Column.key, .equal, entry.key)
                .first()
            else { continue }  // released meanwhile: try again
            let response = try existing.decode(column: Column.response, as: String.self)
            let created = try existing.decode(column: Column.createdAt, as: Date.self)
            let age = now.timeIntervalSince(created)
            if age >= lifetime || (response.isEmpty && age >= abandonedAfter) {
                try await db.delete(from: table).where(Column.id, .equal, try existing.decodeID(Column.id)).run()
                continue
            }
            guard try existing.decode(column: Column.requestHash, as: String.self) == entry.requestHash else { return .conflict }
            guard !response.isEmpty else { return .inProgress }
            return .replay(try JSONDecoder().decode(ChatResponse.self, from: Data(response.utf8)))
        }
        return .inProgress
    }

    /// Keeps `response` under the reserved key; part of the turn's transaction.
    static func complete(_ entry: Entry, userID: UUID, response: ChatResponse, on db: any SQLDatabase) async throws {
        let json = String(decoding: try JSONEncoder().encode(response), as: UTF8.self)
        try await db.update(table).set(Column.response, to: json)
            .where(Column.userID, .equal, userID).where(Column.key, .equal, entry.key)
            .run()
    }

    /// Marks a reservation as still being answered (see `abandonedAfter`).
    static func renew(_ entry: Entry, userID: UUID, on db: any SQLDatabase) async throws {
        try await db.update(table).set(Column.createdAt, to: Date())
            .where(Column.userID, .equal, userID).where(Column.key, .equal, entry.key).where(Column.response, .equal, "")
            .run()
    }

    /// Gives a reserved key back after a failure that stored nothing.
    static func release(_ entry: Entry, userID: UUID, on db: any SQLDatabase) async throws {
        try await db.delete(from: table)
            .where(Column.userID, .equal, userID).where(Column.key, .equal, entry.key).where(Column.response, .equal, "")
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
