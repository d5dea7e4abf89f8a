import Fluent
import Foundation
import Vapor

/// How a chat request begins: a new turn, or (with an `Idempotency-Key` already used for the same
/// request) the reply that key names, live or finished.
enum TurnStart: Sendable {
    /// Read its events from the run itself (`run.events(after:)`): a stateless turn's reply is
    /// found nowhere else, and may end before the caller attaches.
    case started(ChatService.Turn, ReplyRun)
    case attach(UUID)
    /// Answered before replies had ids under their keys.
    case replay(ChatResponse)
}

extension ParleyServices {
    /// The one way a turn starts, whatever route asked for it: the idempotency key is looked up,
    /// the user's monthly budget checked and a share of it reserved (one step, see
    /// `TokenBudgets`), the turn accepted (stored, key claimed; or, stateless, only prepared),
    /// and its reply started in this process.
    /// The reply logs with `logger` (the request's, so its lines carry the request's id).
    func startTurn(_ input: ValidChatRequest, user: UserRow, idempotency: IdempotencyStore.Entry?, logger: Logger, on db: any Database) async throws -> TurnStart {
        let userID = user.id
        // A key can change hands between the look-up and the claim (a racing request took it, or a
        // failed turn just gave it back): look again, a few times, rather than answer 409.
        for _ in 0..<3 {
            if let idempotency, let known = try await previousUse(of: idempotency, userID: userID, on: db) {
                return known
            }
            let reservation = try await budgets.reserve(for: user, tokens: chat.estimatedCost(input), on: db.sql)
            do {
                let turn = try await chat.accept(input, userID: userID, idempotency: idempotency, owner: replies.store.owner, writer: writer, on: db)
                let run = replies.start(turn, reservation: reservation, logger: logger)
                return .started(turn, run)
            } catch is ChatService.KeyTaken {
                if let reservation { budgets.release(reservation) }
                continue
            } catch {
                if let reservation { budgets.release(reservation) }
                throw error
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
