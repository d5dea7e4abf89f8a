import Vapor
import Foundation
import Synchronization
import SQLKit

/// Monthly token budgets. A turn of a user with a budget starts only while the month's usage plus
/// the reservations of that user's replies still running in this process is under the budget; it
/// then reserves its own estimate, in the same step (under one lock), so 50 chats sent at once
/// near the budget cannot all pass the check before any of them counts: the overshoot is at most
/// what the replies already running use. A reply's reservation is released once its real usage
/// is in `token_usage` (see `ReplyRun`). Users without a budget cost nothing here, not even a
/// query. Reservations are per process: with replicas, each counts its own running replies.
final class TokenBudgets: Sendable {
    private let reserved = Mutex<[UUID: Int]>([:])

    /// What a running reply holds of its user's budget; `release` exactly once.
    struct Reservation: Sendable {
        let userID: UUID
        let tokens: Int
    }

    /// Reserves `tokens` for a turn of `user`, or throws 429 when the month's budget is spent.
    /// Nil for a user without a budget.
    func reserve(for user: UserRow, tokens: Int, now: Date = Date(), on db: any SQLDatabase) async throws -> Reservation? {
        guard let budget = user.monthlyTokenBudget else { return nil }
        let used = try await UsageStore.tokens(of: user.id, in: UsageStore.month(of: now), on: db)
        let admitted = reserved.withLock { reserved -> Bool in
            guard used + reserved[user.id, default: 0] < budget else { return false }
            reserved[user.id, default: 0] += tokens
            return true
        }
        guard admitted else { throw Abort.budgetReached(retryAfter: UsageStore.secondsUntilNextMonth(from: now)) }
        return Reservation(userID: user.id, tokens: tokens)
    }

    func release(_ reservation: Reservation) {
        reserved.withLock { reserved in
            let left = reserved[reservation.userID, default: 0] - reservation.tokens
            reserved[reservation.userID] = left > 0 ? left : nil
        }
    }
}
