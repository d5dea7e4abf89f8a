import Fluent
import Vapor

/// Conversations belong to one user; every lookup is scoped to the owner, so another user's id
/// is indistinguishable from a missing one.
struct ConversationService: Sendable {
    static let titleMax = 255

    static func checkTitle(_ title: String) throws -> String {
        try TextRule.check(title, at: ["body", "title"], max: titleMax, trim: true)
    }

    func list(ownerID: UUID, page: Page, on db: any Database) async throws -> (items: [Conversation], total: Int) {
        let owned = Conversation.query(on: db).filter(\.$user.$id == ownerID)
        let total = try await owned.copy().count()
        let items = try await owned
            .sort(\.$updatedAt, .descending).sort(\.$createdAt, .descending).sort(\.$id)
            .range(page.skip..<(page.skip + page.limit)).all()
        return (items, total)
    }

    func create(ownerID: UUID, title: String?, on db: any Database) async throws -> Conversation {
        let conversation = Conversation(userID: ownerID, title: try title.map(Self.checkTitle) ?? Conversation.defaultTitle)
        try await conversation.create(on: db)
        return conversation
    }

    func find(_ id: UUID, ownerID: UUID, on db: any Database) async throws -> Conversation {
        guard let conversation = try await Conversation.query(on: db)
            .filter(\.$id == id).filter(\.$user.$id == ownerID).first()
        else { throw Abort.resourceNotFound }
        return conversation
    }

    func rename(_ id: UUID, ownerID: UUID, to title: String, on db: any Database) async throws -> Conversation {
        let title = try Self.checkTitle(title)
        let conversation = try await find(id, ownerID: ownerID, on: db)
        conversation.title = title
        // Saving with no changed field would not move `updated_at`; a rename always does.
        conversation.updatedAt = Date()
        try await conversation.save(on: db)
        return conversation
    }

    func delete(_ id: UUID, ownerID: UUID, on db: any Database) async throws {
        try await find(id, ownerID: ownerID, on: db).delete(on: db)
    }

    func messages(of id: UUID, ownerID: UUID, page: Page, on db: any Database) async throws -> (items: [MessageRows.Listed], total: Int) {
        _ = try await find(id, ownerID: ownerID, on: db)
        let total = try await Message.query(on: db).filter(\.$conversation.$id == id).count()
        return (try await MessageRows.page(of: id, skip: page.skip, limit: page.limit, on: db), total)
    }
}
