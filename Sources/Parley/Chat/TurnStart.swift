import Fluent
import Foundation
import Vapor

/// How a chat request begins: a new turn, or (with an `Idempotency-Key` already used for the same
/// request) the reply that key names, live or finished.
enum TurnStart: Sendable {
    case started(ChatService.Turn)
    case attach(UUID)
    /// Answered before replies had ids under their keys.
    case replay(ChatResponse)
}

extension ParleyServices {
    /// The one way a turn starts, whatever route asked for it: the idempotency key is looked up,
    /// the turn accepted (stored, key claimed), and its reply started in this process.
    /// The reply logs with `logger` (the request's, so its lines carry the request's id).
    func startTurn(_ input: ValidChatRequest, userID: UUID, idempotency: IdempotencyStore.Entry?, logger: Logger, on db: any Database) async throws -> TurnStart {
        // A key can change hands between the look-up and the claim (a racing request took it, or a
        // failed turn just gave it back): look again, a few times, rather than answer 409.
        for _ in 0..<3 {
            if let idempotency, let known = try await previousUse(of: idempotency, userID: userID, on: db) {
                return known
            }
            do {
                let turn = try await chat.accept(input, userID: userID, idempotency: idempotency, owner: replies.store.owner, writer: writer, on: db)
                _ = replies.start(turn, logger: logger)
                return .started(turn)
            } catch is ChatService.KeyTaken {
                continue
            }
        }
        throw Abort.idempotencyInProgress
    }

    private func previousUse(of idempotency: IdempotencyStore.Entry, userID: UUID, on db: any Database) async throws -> TurnStart? {
        switch try await IdempotencyStore.lookup(idempotency, userID: userID, on: db.sql) {
        case .unused:
            return nil
        case let .reply(id):
            guard try await MessageStore.find(id, ownerID: userID, on: db.sql) != nil else {
                // Its conversation was deleted since: the key is free again.
                try await IdempotencyStore.release(idempotency, userID: userID, messageID: id, on: db.sql)
                return nil
            }
            return .attach(id)
        case let .replay(stored):
            return .replay(stored)
        case .conflict:
            throw Abort.idempotencyConflict
        case .inProgress:
            throw Abort.idempotencyInProgress
        }
    }
}
