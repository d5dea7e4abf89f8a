import Vapor

/// The chat routes: a turn (`POST /api/chat`), attaching to a reply (`GET …/stream`) and stopping
/// it (`POST …/stop`). Requests only accept turns and attach to replies; `ReplyRuns` owns them.
struct ChatController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let signedIn = routes.grouped(UserAuthenticator())
        signedIn.post("api", "chat", use: chat)
        signedIn.get("api", "chat", ":message_id", "stream", use: stream)
        signedIn.post("api", "chat", ":message_id", "stop", use: stop)
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
        let user = try request.requireUser()
        let userID = user.id
        if let wait = await parley.chatLimiter.acquire(["chat:\(userID)"]) {
            throw Abort.tooManyRequests(retryAfter: wait, "Too many chat requests")
        }
        let body = try request.decodeJSON(ChatRequest.self)
        let input = try body.validated()
        let idempotency = try IdempotencyStore.entry(key: request.headers.first(name: "Idempotency-Key"), request: body)
        guard !parley.replies.isDraining else { throw Abort.shuttingDown }

        let events: ReplyEvents
        switch try await parley.startTurn(input, user: user, idempotency: idempotency, logger: request.logger, on: request.db) {
        case let .replay(stored):
            guard input.stream else { return try await stored.encodeResponse(for: request) }
            return StreamedReply.response(Self.replay(stored), keepAlive: parley.keepAlive)
        case let .started(turn, run):
            if turn.droppedHistory > 0 {
                request.logger.debug("chat: \(turn.droppedHistory) older messages left out to fit the context budget")
            }
            events = run.events(after: 0)
        case let .attach(id):
            events = parley.replies.events(of: id, after: 0)
        }
        guard input.stream else { return try await CollectedReply.answer(events).encodeResponse(for: request) }
        return StreamedReply.response(events, keepAlive: parley.keepAlive)
    }

    /// `GET /api/chat/{message_id}/stream`: the reply's events after `Last-Event-ID` (or `?after=`).
    @Sendable
    func stream(request: Request) async throws -> Response {
        let parley = request.application.parley
        let id = try request.uuidParameter("message_id")
        let after = try request.lastEventID()
        guard let found = try await MessageStore.find(id, ownerID: request.requireUser().id, on: request.sql),
              found.message.role == .assistant
        else { throw Abort.resourceNotFound }
        return StreamedReply.response(parley.replies.events(of: id, after: after), keepAlive: parley.keepAlive)
    }

    /// `POST /api/chat/{message_id}/stop`: the message once it has ended (stopped, or its own end).
    @Sendable
    func stop(request: Request) async throws -> MessagePublic {
        let parley = request.application.parley
        let id = try request.uuidParameter("message_id")
        let ownerID = try request.requireUser().id
        guard let found = try await MessageStore.find(id, ownerID: ownerID, on: request.sql), found.message.role == .assistant else {
            throw Abort.resourceNotFound
        }
        guard found.message.status == .streaming else { return MessagePublic(found.message) }
        if let run = parley.replies.run(id) {
            run.stop()
            await run.waitUntilOver()
        } else {
            // Another replica generates it: it notices the request with its next lease renewal.
            try await parley.replies.store.requestStop(id)
            for await _ in parley.replies.events(of: id, after: Int.max - 1) {}
        }
        guard let ended = try await MessageStore.find(id, ownerID: ownerID, on: request.sql) else { throw Abort.resourceNotFound }
        return MessagePublic(ended.message)
    }

    /// A turn answered before replies had ids under their keys.
    private static func replay(_ stored: ChatResponse) -> ReplyEvents {
        let events = ReplyEvents()
        if let conversationID = UUID(uuidString: stored.conversationID), let messageID = UUID(uuidString: stored.messageID) {
            events.yield(NumberedEvent(id: 1, event: .start(conversationID: conversationID, messageID: messageID)))
            events.yield(NumberedEvent(id: 2, event: .delta(Substring(stored.response))))
            events.yield(NumberedEvent(id: 3, event: .finished(.complete, stored)))
        }
        events.finish()
        return events
    }
}

extension Request {
    /// Where a client resumes: `Last-Event-ID` (what browsers send on reconnecting), else `?after=`.
    func lastEventID() throws -> Int {
        if let header = headers.first(name: "Last-Event-ID") {
            guard let id = Int(header.trimmingCharacters(in: .whitespaces)), id >= 0 else {
                throw ValidationFailure(loc: ["header", "last-event-id"], msg: "Input should be a non-negative integer", type: "int_parsing")
            }
            return id
        }
        return try integerQuery("after", default: 0, range: Limits.Chat.after)
    }
}
