import Vapor

struct ConversationsController: RouteCollection {
    let service = ConversationService()

    func boot(routes: any RoutesBuilder) throws {
        let conversations = routes.grouped("api", "v1", "conversations").grouped(UserAuthenticator())
        conversations.get(use: list)
        conversations.post(use: create)
        conversations.get(":conversation_id", use: read)
        conversations.patch(":conversation_id", use: rename)
        conversations.delete(":conversation_id", use: delete)
        conversations.get(":conversation_id", "messages", use: messages)
    }

    @Sendable
    func list(request: Request) async throws -> PagedList<ConversationPublic> {
        let found = try await service.list(ownerID: request.requireUser().id, page: request.page(), on: request.sql)
        return PagedList(items: found.items.map(ConversationPublic.init), total: found.total)
    }

    @Sendable
    func create(request: Request) async throws -> Response {
        // An empty body is allowed: every field has a default.
        let input = request.body.data.map { $0.readableBytes > 0 } == true
            ? try request.decodeJSON(ConversationTitleRequest.self) : ConversationTitleRequest()
        let conversation = try await service.create(
            ownerID: request.requireUser().id, title: input.title, on: request.sql)
        return try await ConversationPublic(conversation).encodeResponse(status: .created, for: request)
    }

    @Sendable
    func read(request: Request) async throws -> ConversationPublic {
        ConversationPublic(try await service.find(
            request.uuidParameter("conversation_id"), ownerID: request.requireUser().id, on: request.sql))
    }

    @Sendable
    func rename(request: Request) async throws -> ConversationPublic {
        let id = try request.uuidParameter("conversation_id")
        guard let title = try request.decodeJSON(ConversationTitleRequest.self).title else {
            throw ValidationFailure.missing(["body", "title"])
        }
        return ConversationPublic(try await service.rename(
            id, ownerID: request.requireUser().id, to: title, on: request.sql))
    }

    @Sendable
    func delete(request: Request) async throws -> HTTPStatus {
        try await service.delete(
            request.uuidParameter("conversation_id"), ownerID: request.requireUser().id, on: request.sql)
        return .noContent
    }

    @Sendable
    func messages(request: Request) async throws -> PagedList<MessagePublic> {
        let found = try await service.messages(
            of: request.uuidParameter("conversation_id"), ownerID: request.requireUser().id,
            page: request.page(defaultLimit: 1000), on: request.sql)
        return PagedList(items: found.items.map(MessagePublic.init), total: found.total)
    }
}
