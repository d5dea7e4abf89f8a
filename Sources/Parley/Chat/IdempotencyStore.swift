import Crypto
import Fluent
import Foundation
import Vapor

/// `Idempotency-Key`: per user, 24 hours, the same key with a different body is a conflict.
enum IdempotencyStore {
    struct Entry: Sendable {
        var key: String
        var requestHash: String
    }

    enum Lookup {
        case none
        case replay(ChatResponse)
        case conflict
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

    static func lookup(_ entry: Entry, userID: UUID, on db: any Database) async throws -> Lookup {
        guard let record = try await IdempotencyRecord.query(on: db)
            .filter(\.$user.$id == userID).filter(\.$key == entry.key)
            .filter(\.$createdAt >= Date().addingTimeInterval(-IdempotencyRecord.lifetime)).first()
        else { return .none }
        guard record.requestHash == entry.requestHash else { return .conflict }
        return .replay(try JSONDecoder().decode(ChatResponse.self, from: Data(record.response.utf8)))
    }

    static func save(_ entry: Entry, response: ChatResponse, userID: UUID, on db: any Database) async throws {
        // An expired record under the same key makes way for the new one.
        try await IdempotencyRecord.query(on: db).filter(\.$user.$id == userID).filter(\.$key == entry.key)
            .filter(\.$createdAt < Date().addingTimeInterval(-IdempotencyRecord.lifetime)).delete()
        let json = String(decoding: try JSONEncoder().encode(response), as: UTF8.self)
        try await IdempotencyRecord(userID: userID, key: entry.key, requestHash: entry.requestHash, response: json).create(on: db)
    }
}
