import Fluent
import NIOConcurrencyHelpers
import Vapor

/// What a chat turn tells its client, in order: `start`, any number of `delta`, then `done` or
/// `failed`. A streamed response writes each as an SSE event; a JSON response waits for the last.
enum ChatTurnEvent: Sendable {
    case start(conversationID: UUID, messageID: UUID)
    case delta(String)
    case done(ChatResponse)
    case failed(any Error)
}

/// Where a turn's events go. `send` throws `ChatTurn.ClientGone` when the client has left.
protocol ChatTurnSink: Sendable {
    func send(_ event: ChatTurnEvent) async throws
    /// Runs beside the provider call until cancelled, e.g. to keep an idle stream open; throws
    /// `ChatTurn.ClientGone` when it finds the client gone.
    func keepAlive() async throws
}

/// One chat turn, whatever the response's shape: calls the provider, stores the turn, keeps its
/// idempotency key and counts its outcome, telling a sink what happens. Whatever happens, the
/// sink hears `done` or `failed` (or the client is gone), and the turn is stored whole, stored
/// cut short because the client left, or not at all.
struct ChatTurn: Sendable {
    /// The client went away mid-turn.
    struct ClientGone: Error {}

    let chat: ChatService
    let turn: ChatService.Turn
    let idempotency: IdempotencyStore.Entry?
    let db: any Database
    let logger: Logger

    func run(to sink: some ChatTurnSink) async {
        let partial = NIOLockedValueBox("")
        do {
            try await sink.send(.start(conversationID: turn.conversationID, messageID: turn.replyID))
            let reply = try await withThrowingTaskGroup(of: ChatResponse?.self) { group in
                group.addTask {
                    try await chat.generate(turn) { piece in
                        partial.withLockedValue { $0 += piece }
                        try await sink.send(.delta(piece))
                    }
                }
                group.addTask {
                    try await sink.keepAlive()
                    return nil
                }
                if let idempotency {
                    group.addTask { [turn, db] in
                        while true {
                            try await Task.sleep(for: IdempotencyStore.renewEvery)
                            try? await IdempotencyStore.renew(idempotency, userID: turn.userID, on: db.sql)
                        }
                    }
                }
                defer { group.cancelAll() }
                while let result = try await group.next() {
                    if let result { return result }
                }
                throw CancellationError()
            }
            // Complete: stored whole even if the client leaves before `done`.
            try await chat.store(turn, reply: reply, complete: true, idempotency: idempotency, on: db)
            chat.metrics.record(.ok)
            try? await sink.send(.done(reply))
        } catch is ClientGone {
            chat.metrics.record(.clientGone)
            // The upstream request was dropped with the provider call; keep what was typed and said,
            // under the idempotency key too, so a retry of this request replays it, not repeats it.
            let cut = chat.response(for: turn, completion: LLMCompletion(text: partial.withLockedValue { $0 }))
            do {
                try await chat.store(turn, reply: cut, complete: false, idempotency: idempotency, on: db)
                logger.info("chat: client left mid-turn; stored the turn with a partial reply")
            } catch {
                await releaseKey()
                logger.error("chat: could not store the turn of a client that left: \(String(reflecting: error))")
            }
        } catch {
            chat.metrics.record(ChatMetrics.outcome(of: error))
            await releaseKey()
            if error is LLMError {
                logger.warning("chat: provider failed, nothing stored: \(String(reflecting: error))")
            } else if (error as? any AbortError)?.status != .notFound {
                logger.error("chat: turn failed, nothing stored: \(String(reflecting: error))")
            }
            try? await sink.send(.failed(error))
        }
    }

    /// Answers a retried request with what was stored the first time.
    static func replay(_ stored: ChatResponse, to sink: some ChatTurnSink) async {
        guard let conversationID = UUID(uuidString: stored.conversationID), let messageID = UUID(uuidString: stored.messageID) else {
            try? await sink.send(.failed(Abort(.internalServerError)))
            return
        }
        try? await sink.send(.start(conversationID: conversationID, messageID: messageID))
        try? await sink.send(.delta(stored.response))
        try? await sink.send(.done(stored))
    }

    private func releaseKey() async {
        guard let idempotency else { return }
        do {
            try await IdempotencyStore.release(idempotency, userID: turn.userID, on: db.sql)
        } catch {
            logger.error("chat: could not release an Idempotency-Key: \(String(reflecting: error))")
        }
    }
}

/// The JSON response's sink: keeps the last event; the handler then answers it or throws it.
final class CollectedReply: ChatTurnSink {
    private let outcome = NIOLockedValueBox<Result<ChatResponse, any Error>?>(nil)

    func send(_ event: ChatTurnEvent) async throws {
        switch event {
        case let .done(reply): outcome.withLockedValue { $0 = .success(reply) }
        case let .failed(error): outcome.withLockedValue { $0 = .failure(error) }
        case .start, .delta: break
        }
    }

    func keepAlive() async throws {
        try await Task.sleep(for: .seconds(86_400 * 365))
    }

    func reply() throws -> ChatResponse {
        guard let outcome = outcome.withLockedValue({ $0 }) else { throw Abort(.internalServerError) }
        return try outcome.get()
    }
}
