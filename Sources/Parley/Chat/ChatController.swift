import Vapor

struct ChatController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let signedIn = routes.grouped(UserAuthenticator())
        signedIn.post("api", "chat", use: chat)
        signedIn.get("api", "v1", "models", use: models)
    }

    @Sendable
    func models(request: Request) async throws -> [ModelInfo] {
        let provider = request.application.parley.chat.provider
        do {
            return try await provider.listModels().map { ModelInfo(id: $0, provider: provider.name) }
        } catch let error as LLMError {
            request.logger.warning("listing models failed: \(error)")
            throw error
        }
    }

    @Sendable
    func chat(request: Request) async throws -> Response {
        let parley = request.application.parley
        let userID = try request.requireUser().id
        if let wait = await parley.chatLimiter.acquire(["chat:\(userID)"]) {
            throw Abort.tooManyRequests(retryAfter: wait, "Too many chat requests")
        }
        let body = try request.decodeJSON(ChatRequest.self)
        let input = try body.validated()
        let idempotency = try IdempotencyStore.entry(key: request.headers.first(name: "Idempotency-Key"), request: body)
        let keepAlive = Duration.seconds(parley.settings.sseKeepAliveSeconds)

        switch try await parley.chat.begin(input, userID: userID, idempotency: idempotency, on: request.db) {
        case let .replay(stored):
            guard input.stream else { return try await stored.encodeResponse(for: request) }
            return StreamedReply.response(keepAlive: keepAlive) { await ChatTurn.replay(stored, to: $0) }
        case let .turn(turn):
            if turn.droppedHistory > 0 {
                request.logger.debug("chat: \(turn.droppedHistory) older messages left out to fit the context budget")
            }
            let engine = ChatTurn(chat: parley.chat, turn: turn, idempotency: idempotency, db: request.db, logger: request.logger)
            guard input.stream else {
                let collected = CollectedReply()
                await engine.run(to: collected)
                return try await collected.reply().encodeResponse(for: request)
            }
            return StreamedReply.response(keepAlive: keepAlive) { await engine.run(to: $0) }
        }
    }
}
