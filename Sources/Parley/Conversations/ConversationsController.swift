import Vapor

struct ConversationsController: RouteCollection {
    let service = ConversationService()

    func boot(routes: any RoutesBuilder) throws {
        let conversations = routes.grouped("api", "v1", "conversations").grouped(UserAuthenticator())
        conversations.get(use: list)
        conversations.post(use: create)
        conversations.get(":conversation_id", use: read)
        conversations.patch(":conversation_id", use: change)
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
            ? try request.decodeJSON(ConversationChangeRequest.self) : ConversationChangeRequest()
        let ownerID = try request.requireUser().id
        let model = try await input.model.asyncMap { try await ConversationService.checkModel($0, provider: request.application.parley.chat.provider) }
        let conversation = try await service.create(
            ownerID: ownerID, title: input.title, model: model, writer: request.application.parley.writer, on: request.db)
        return try await ConversationPublic(conversation).encodeResponse(status: .created, for: request)
    }

    @Sendable
    func read(request: Request) async throws -> ConversationPublic {
        ConversationPublic(try await service.find(
            request.uuidParameter("conversation_id"), ownerID: request.requireUser().id, on: request.sql))
    }

    /// Renames, switches branch, or both.
    @Sendable
    func change(request: Request) async throws -> ConversationPublic {
        let id = try request.uuidParameter("conversation_id")
        let input = try request.decodeJSON(ConversationChangeRequest.self)
        var branchLeaf: UUID?
        if let raw = input.currentMessageID {
            guard let leaf = UUID(canonicalText: raw.lowercased()) else {
                throw ValidationFailure(loc: ["body", "current_message_id"], msg: "Input should be a valid UUID", type: "uuid_parsing")
            }
            branchLeaf = leaf
        }
        guard input.title != nil || branchLeaf != nil || input.modelSent else { throw ValidationFailure.missing(["body", "title"]) }
        let ownerID = try request.requireUser().id
        let model = try await input.model.asyncMap { try await ConversationService.checkModel($0, provider: request.application.parley.chat.provider) }
        var conversation: ConversationRow?
        if input.modelSent {
            conversation = try await service.setModel(id, ownerID: ownerID, to: model, on: request.sql)
        }
        if let title = input.title {
            conversation = try await service.rename(id, ownerID: ownerID, to: title, writer: request.application.parley.writer, on: request.db)
        }
        if let branchLeaf {
            conversation = try await service.switchBranch(id, ownerID: ownerID, to: branchLeaf, on: request.db)
        }
        return ConversationPublic(conversation!)
    }

    @Sendable
    func delete(request: Request) async throws -> HTTPStatus {
        try await service.delete(
            request.uuidParameter("conversation_id"), ownerID: request.requireUser().id, on: request.sql)
        return .noContent
    }

    /// A page too long for one piece is streamed, piece by piece (see `MessagePage`).
    @Sendable
    func messages(request: Request) async throws -> Response {
        let allBranches: Bool
        switch request.query[String.self, at: "branch"] {
        case nil, "current": allBranches = false
        case "all": allBranches = true
        default:
            throw ValidationFailure(loc: ["query", "branch"], msg: "Input should be 'current' or 'all'", type: "enum")
        }
        let found = try await service.messages(
            of: request.uuidParameter("conversation_id"), ownerID: request.requireUser().id, allBranches: allBranches,
            page: request.page(defaultLimit: Limits.Page.messagesDefaultLimit), on: request.sql)
        guard let rest = found.rest else {
            return try await PagedList(items: found.first.map(MessagePublic.init), total: found.total).encodeResponse(for: request)
        }
        let first = found.first
        let db = request.sql
        return JSONArrayStream.response(headers: ["X-Total-Count": String(found.total)]) { array in
            for message in first { try await array.append(MessagePublic(message)) }
            try await rest.pieces(on: db) { piece in
                for message in piece { try await array.append(MessagePublic(message)) }
            }
        }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
