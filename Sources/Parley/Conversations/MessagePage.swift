import Foundation
import SQLKit

/// A page of messages as `GET …/messages` sends it: always the `limit` items asked for (or all
/// there are), read in pieces of about `MessageStore.pageByteBudget` so that a page of long
/// messages never sits in memory whole.
struct MessagePage: Sendable {
    var first: [ListedMessage]
    var total: Int
    /// The pieces after the first, when there are any.
    var rest: Rest?

    struct Rest: Sendable {
        var conversationID: UUID
        var allBranches: Bool
        var after: Int?
        var left: Int

        /// Hands each further piece to `send`, in order.
        func pieces(on db: any SQLDatabase, _ send: ([ListedMessage]) async throws -> Void) async throws {
            var after = after
            var left = left
            while left > 0 {
                let piece = try await MessageStore.page(of: conversationID, allBranches: allBranches, skip: 0, after: after, limit: left, on: db)
                try await send(piece.messages)
                left -= piece.messages.count
                after = piece.last
                if !piece.cut { break }
            }
        }
    }
}
