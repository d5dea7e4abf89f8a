import Fluent
import SQLKit
import Vapor

/// Conversations belong to one user; every lookup is scoped to the owner, so another user's id
/// is indistinguishable from a missing one.
struct ConversationService: Sendable {
    static func checkTitle(_ title: String) throws -> String {
        try TextRule.check(title, at: ["body", "title"], length: Limits.Conversation.title, trim: true)
    }

    func list(ownerID: UUID, page: Page, on db: any SQLDatabase) async throws -> (items: [ConversationRow], total: Int) {
        let items = try await ConversationStore.page(ownerID: ownerID, skip: page.skip, limit: page.limit, on: db)
        // A short first page is the whole list: no count needed.
        let total = page.skip == 0 && items.count < page.limit
            ? items.count : try await ConversationStore.count(ownerID: ownerID, on: db)
        return (items, total)
    }

    /// A model a conversation may name: one the provider lists (`GET /api/v1/models`), else 422.
    static func checkModel(_ model: String, provider: any LLMProvider) async throws -> String {
        let model = try TextRule.check(model, at: ["body", "model"], length: Limits.Conversation.model, trim: true)
        guard try await provider.listModels().contains(model) else {
            throw ValidationFailure(loc: ["body", "model"], msg: "Input should be one of the models GET /api/v1/models lists", type: "enum")
        }
        return model
    }

    func create(ownerID: UUID, title: String?, model: String? = nil, writer: DatabaseWriter, on db: any Database) async throws -> ConversationRow {
        let now = Date()
        let conversation = ConversationRow(
            id: UUID(), userID: ownerID, title: try title.map(Self.checkTitle) ?? ConversationRow.defaultTitle,
            createdAt: now, updatedAt: now, model: model)
        // Most conversations start with the default title, which is not indexed: one statement.
        guard conversation.title != ConversationRow.defaultTitle else {
            try await ConversationStore.insert(conversation, on: db.sql)
            return conversation
        }
        try await writer.transaction(on: db) { tx in
            try await ConversationStore.insert(conversation, on: tx)
            try await SearchIndex.indexMessages(ownerID: ownerID, conversationID: conversation.id, [], newTitle: conversation.title, on: tx)
        }
        return conversation
    }

    func find(_ id: UUID, ownerID: UUID, on db: any SQLDatabase) async throws -> ConversationRow {
        guard let conversation = try await ConversationStore.find(id, ownerID: ownerID, on: db) else { throw Abort.resourceNotFound }
        return conversation
    }

    func rename(_ id: UUID, ownerID: UUID, to title: String, writer: DatabaseWriter, on db: any Database) async throws -> ConversationRow {
        let title = try Self.checkTitle(title)
        return try await writer.transaction(on: db) { tx in
            guard let renamed = try await ConversationStore.rename(id, ownerID: ownerID, to: title, at: Date(), on: tx) else {
                throw Abort.resourceNotFound
            }
            try await SearchIndex.indexTitle(of: id, on: tx)
            return renamed
        }
    }

    func setModel(_ id: UUID, ownerID: UUID, to model: String?, on db: any SQLDatabase) async throws -> ConversationRow {
        guard let changed = try await ConversationStore.setModel(id, ownerID: ownerID, to: model, on: db) else {
            throw Abort.resourceNotFound
        }
        return changed
    }

    func delete(_ id: UUID, ownerID: UUID, on db: any SQLDatabase) async throws {
        guard try await ConversationStore.delete(id, ownerID: ownerID, on: db) else { throw Abort.resourceNotFound }
    }

    /// A page of a conversation's messages: its first piece (about `MessageStore.pageByteBudget`
    /// of text), and when that was not the whole page, `rest` to read the others one at a time.
    func messages(of id: UUID, ownerID: UUID, allBranches: Bool = false, page: Page, on db: any SQLDatabase) async throws -> MessagePage {
        _ = try await find(id, ownerID: ownerID, on: db)
        let found = try await MessageStore.page(of: id, allBranches: allBranches, skip: page.skip, limit: page.limit, on: db)
        let total = page.skip == 0 && found.messages.count < page.limit && !found.cut
            ? found.messages.count : try await MessageStore.count(of: id, allBranches: allBranches, on: db)
        var rest: MessagePage.Rest?
        if found.cut {
            rest = MessagePage.Rest(conversationID: id, allBranches: allBranches, after: found.last, left: page.limit - found.messages.count)
        }
        return MessagePage(first: found.messages, total: total, rest: rest)
    }

    /// Makes the branch through `message` current: the path from the root to it, continued down
    /// its most recent children to a leaf.
    func switchBranch(_ id: UUID, ownerID: UUID, to message: UUID, on db: any Database) async throws -> ConversationRow {
        _ = try await find(id, ownerID: ownerID, on: db.sql)
        return try await db.sqlTransaction { tx in
            guard try await MessageStore.node(message, in: id, on: tx) != nil else { throw Abort.resourceNotFound }
            var leaf = message
            while let child = try await MessageStore.newestChild(of: leaf, on: tx) { leaf = child }
            try await MessageStore.markBranch(of: id, endingAt: leaf, on: tx)
            try await ConversationStore.setCurrent(id, to: leaf, on: tx)
            guard let conversation = try await ConversationStore.find(id, ownerID: ownerID, on: tx) else { throw Abort.resourceNotFound }
            return conversation
        }
    }
}
