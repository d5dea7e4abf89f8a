import Fluent
import NIOConcurrencyHelpers
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
        let user = try request.requireUser()
        let userID = try user.requireID()
        if let wait = await parley.chatLimiter.retryAfter(for: ["chat:\(userID)"]) {
            throw Abort(.tooManyRequests, headers: ["Retry-After": String(wait)], reason: "Too many chat requests, try again in \(wait) seconds")
        }
        await parley.chatLimiter.record(["chat:\(userID)"])

        let body = try request.decodeJSON(ChatRequest.self)
        let input = try body.validated()
        let idempotency = try IdempotencyStore.entry(key: request.headers.first(name: "Idempotency-Key"), request: body)
        if let idempotency {
            switch try await IdempotencyStore.lookup(idempotency, userID: userID, on: request.db) {
            case .none: break
            case .conflict: throw Abort(.conflict, reason: "This Idempotency-Key was already used with a different request")
            case let .replay(stored): return try await replay(stored, stream: input.stream, for: request)
            }
        }

        let turn = try await parley.chat.prepare(input, userID: userID, on: request.db)
        if turn.droppedHistory > 0 {
            request.logger.debug("chat: \(turn.droppedHistory) older messages left out to fit the context budget")
        }
        return input.stream
            ? streamed(turn, idempotency: idempotency, for: request)
            : try await answered(turn, idempotency: idempotency, for: request)
    }

    private func answered(_ turn: ChatService.Turn, idempotency: IdempotencyStore.Entry?, for request: Request) async throws -> Response {
        let chat = request.application.parley.chat
        let reply: ChatResponse
        do {
            reply = try await chat.generate(turn)
        } catch {
            chat.metrics.record(ChatMetrics.outcome(of: error))
            request.logger.warning("chat: provider failed, nothing stored: \(String(reflecting: error))")
            throw error
        }
        do {
            try await chat.store(turn, reply: reply, complete: true, idempotency: idempotency, on: request.db)
            chat.metrics.record(.ok)
        } catch {
            // The same key won a race with this request: answer what was stored under it.
            guard let idempotency, (error as? any DatabaseError)?.isConstraintFailure == true,
                  case let .replay(stored) = try await IdempotencyStore.lookup(idempotency, userID: turn.userID, on: request.db)
            else { throw error }
            return try await stored.encodeResponse(for: request)
        }
        return try await reply.encodeResponse(for: request)
    }

    private func streamed(_ turn: ChatService.Turn, idempotency: IdempotencyStore.Entry?, for request: Request) -> Response {
        let chat = request.application.parley.chat
        let keepAlive = Duration.seconds(request.application.parley.settings.sseKeepAliveSeconds)
        let db = request.db
        let logger = request.logger
        let response = Response(status: .ok, headers: Self.streamHeaders)
        response.body = .init(asyncStream: { writer in
            let sse = SSEWriter(writer)
            await Self.stream(turn, idempotency: idempotency, chat: chat, to: sse, keepAlive: keepAlive, db: db, logger: logger)
            await sse.end()
        })
        return response
    }

    /// Writes a turn's events. Whatever happens, the stream ends with `done` or `error`, or the
    /// client is gone; and the turn is stored whole, stored cut short, or not at all.
    private static func stream(
        _ turn: ChatService.Turn, idempotency: IdempotencyStore.Entry?, chat: ChatService, to sse: SSEWriter,
        keepAlive: Duration, db: any Database, logger: Logger
    ) async {
        let partial = NIOLockedValueBox("")
        let reply: ChatResponse
        do {
            try await sse.send(ChatStreamEvent.start(
                conversationID: turn.conversationID.uuidString.lowercased(), messageID: turn.replyID.uuidString.lowercased()))
            // The keep-alive runs beside the provider call; a keep-alive that finds the client
            // gone ends the call as surely as a failed delta does.
            reply = try await withThrowingTaskGroup(of: ChatResponse?.self) { group in
                group.addTask {
                    try await chat.generate(turn) { piece in
                        partial.withLockedValue { $0 += piece }
                        try await sse.send(ChatStreamEvent.delta(piece))
                    }
                }
                group.addTask {
                    try await sse.keepAlive(every: keepAlive)
                    return nil
                }
                defer { group.cancelAll() }
                while let result = try await group.next() {
                    if let result { return result }
                }
                throw CancellationError()
            }
        } catch is SSEWriter.ClientDisconnected {
            chat.metrics.record(.clientGone)
            // The upstream request was dropped with the provider call; keep what was typed and said.
            let cut = chat.response(for: turn, completion: LLMCompletion(text: partial.withLockedValue { $0 }))
            do {
                try await chat.store(turn, reply: cut, complete: false, idempotency: nil, on: db)
                logger.info("chat: client left mid-stream; stored the turn with a partial reply")
            } catch {
                logger.error("chat: could not store the turn of a client that left: \(String(reflecting: error))")
            }
            return
        } catch {
            chat.metrics.record(ChatMetrics.outcome(of: error))
            logger.warning("chat: stream failed, nothing stored: \(String(reflecting: error))")
            try? await sse.send(ChatStreamEvent.error((error as? any AbortError)?.reason ?? "Internal server error"))
            return
        }
        do {
            // The reply is complete: it is stored whole even if the client leaves before `done`.
            try await chat.store(turn, reply: reply, complete: true, idempotency: idempotency, on: db)
            chat.metrics.record(.ok)
        } catch {
            chat.metrics.record(.failed)
            logger.error("chat: could not store a completed turn: \(String(reflecting: error))")
            try? await sse.send(ChatStreamEvent.error((error as? any AbortError)?.reason ?? "Internal server error"))
            return
        }
        try? await sse.send(ChatStreamEvent.done(reply))
    }

    /// Answers a retried request with what was stored the first time, streamed if asked.
    private func replay(_ stored: ChatResponse, stream: Bool, for request: Request) async throws -> Response {
        guard stream else { return try await stored.encodeResponse(for: request) }
        let response = Response(status: .ok, headers: Self.streamHeaders)
        response.body = .init(managedAsyncStream: { writer in
            let sse = SSEWriter(writer)
            try await sse.send(ChatStreamEvent.start(conversationID: stored.conversationID, messageID: stored.messageID))
            try await sse.send(ChatStreamEvent.delta(stored.response))
            try await sse.send(ChatStreamEvent.done(stored))
        })
        return response
    }

    private static let streamHeaders: HTTPHeaders = [
        "Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no",
    ]
}
