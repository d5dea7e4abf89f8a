import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// The chat rules of API.md, callable without HTTP: validation and ownership, the context the
/// model sees, and storing a turn only once its reply is complete (or, when the client left
/// mid-stream, with the partial reply marked incomplete).
struct ChatService: Sendable {
    let provider: any LLMProvider
    let systemPrompt: String?
    let contextTokens: Int
    let defaultModel: String
    let metrics: ChatMetrics
    /// Set on SQLite, where write transactions are better queued in the process (see `WriteQueue`).
    let writeQueue: WriteQueue?
    static let defaultMaxTokens = 512

    /// Everything needed to call the provider and then store the turn. Nothing is stored yet.
    struct Turn: Sendable {
        let userID: UUID
        let conversationID: UUID
        let isNewConversation: Bool
        let replyID: UUID
        let newMessages: [LLMMessage]
        /// The title to give the conversation, when it still has the default one.
        let title: String?
        let request: LLMRequest
        let droppedHistory: Int
    }

    func prepare(_ input: ValidChatRequest, userID: UUID, on db: any SQLDatabase) async throws -> Turn {
        // The reply's room comes out of the budget first; it may take at most half of it.
        let maxTokens = min(input.maxTokens ?? Self.defaultMaxTokens, max(contextTokens / 2, 1))
        let budget = contextTokens - maxTokens
        var history: [LLMMessage] = []
        var firstUserMessage = input.messages.first { $0.role == "user" }?.content
        var needsTitle = true
        if let id = input.conversationID {
            let conversation = try await ConversationService().find(id, ownerID: userID, on: db)
            needsTitle = conversation.title == ConversationRow.defaultTitle
            let system = systemPrompt.map { [LLMMessage(role: "system", content: $0)] } ?? []
            history = try await recentHistory(
                of: id, tokens: budget - ContextWindow.estimateTokens(system + input.messages), on: db)
            if needsTitle, let first = try await MessageStore.firstUserContent(of: id, on: db) {
                firstUserMessage = first
            }
        }
        let context = ContextWindow.assemble(systemPrompt: systemPrompt, history: history, new: input.messages, budget: budget)
        return Turn(
            userID: userID,
            conversationID: input.conversationID ?? UUID(),
            isNewConversation: input.conversationID == nil,
            replyID: UUID(),
            newMessages: input.messages,
            title: needsTitle ? firstUserMessage.flatMap(ConversationTitle.from) : nil,
            request: LLMRequest(messages: context.messages, model: input.model ?? defaultModel,
                                temperature: input.temperature, maxTokens: maxTokens),
            droppedHistory: context.dropped)
    }

    /// The newest stored messages whose estimated size adds up to `tokens`, oldest first: read
    /// newest first in growing pages, so a long conversation costs what fits, not all it holds.
    private func recentHistory(of id: UUID, tokens available: Int, on db: any SQLDatabase) async throws -> [LLMMessage] {
        var newestFirst: [LLMMessage] = []
        var used = 0
        var before: Int?
        var pageSize = 64
        while used < available {
            let page = try await MessageStore.newest(of: id, before: before, limit: pageSize, on: db)
            for message in page {
                let history = LLMMessage(role: message.role.rawValue, content: message.content)
                newestFirst.append(history)
                used += ContextWindow.estimateTokens(history)
            }
            guard page.count == pageSize, let oldest = page.last else { break }
            before = oldest.position
            pageSize *= 2
        }
        return newestFirst.reversed()
    }

    /// Has the provider answer `turn`, handing each piece of text to `onDelta` as it arrives, and
    /// records the provider's latency, time to first token and token counts.
    func generate(_ turn: Turn, onDelta: @escaping @Sendable (String) async throws -> Void = { _ in }) async throws -> ChatResponse {
        let clock = ContinuousClock()
        let started = clock.now
        let firstToken = NIOLockedValueBox<Duration?>(nil)
        let completion = try await provider.streamReply(to: turn.request) { piece in
            firstToken.withLockedValue { $0 = $0 ?? clock.now - started }
            try await onDelta(piece)
        }
        let reply = response(for: turn, completion: completion)
        metrics.record(providerTime: clock.now - started, firstToken: firstToken.withLockedValue { $0 }, usage: reply.usage)
        return reply
    }

    /// The answer the API returns for a finished (or cut short) reply.
    func response(for turn: Turn, completion: LLMCompletion) -> ChatResponse {
        let usage = completion.usage ?? TokenUsage(
            promptTokens: ContextWindow.estimateTokens(turn.request.messages),
            completionTokens: ContextWindow.estimateTokens(LLMMessage(role: "assistant", content: completion.text)) - 4)
        return ChatResponse(
            response: completion.text, messageID: turn.replyID.lowercasedString,
            conversationID: turn.conversationID.lowercasedString,
            model: completion.model ?? turn.request.model, usage: usage)
    }

    /// Stores the new messages and the reply together, in one transaction, after the conversation's
    /// existing messages; with `idempotency`, the response under that key too. Touching the
    /// conversation row first makes concurrent turns on one conversation queue for the row lock
    /// (no lock is held across the provider call, only across this short write).
    func store(_ turn: Turn, reply: ChatResponse, complete: Bool, idempotency: IdempotencyStore.Entry?, on db: any Database) async throws {
        if let writeQueue {
            try await writeQueue.run { try await write(turn, reply: reply, complete: complete, idempotency: idempotency, on: db) }
        } else {
            try await write(turn, reply: reply, complete: complete, idempotency: idempotency, on: db)
        }
    }

    private func write(_ turn: Turn, reply: ChatResponse, complete: Bool, idempotency: IdempotencyStore.Entry?, on db: any Database) async throws {
        try await db.sqlTransaction { tx in
            let now = Date()
            var position = 0
            if turn.isNewConversation {
                try await ConversationStore.insert(ConversationRow(
                    id: turn.conversationID, userID: turn.userID, title: turn.title ?? ConversationRow.defaultTitle,
                    createdAt: now, updatedAt: now), on: tx)
            } else {
                // Deleted while the model was answering: nothing to add the turn to.
                guard try await ConversationStore.touch(
                    turn.conversationID, ownerID: turn.userID, titleIfUntitled: turn.title, at: now, on: tx)
                else { throw Abort.resourceNotFound }
                position = try await MessageStore.nextPosition(of: turn.conversationID, on: tx)
            }
            var rows = turn.newMessages.enumerated().map { index, message in
                MessageRow(
                    id: UUID(), conversationID: turn.conversationID, role: MessageRole(rawValue: message.role) ?? .user,
                    content: message.content, position: position + index, createdAt: now)
            }
            // A reply cut before its first token is stored too, empty: its id is what the turn
            // answered (and what a retry with the same Idempotency-Key replays).
            rows.append(MessageRow(
                id: turn.replyID, conversationID: turn.conversationID, role: .assistant, content: reply.response,
                position: position + rows.count, createdAt: now, isComplete: complete, model: reply.model,
                promptTokens: reply.usage.promptTokens, completionTokens: reply.usage.completionTokens))
            try await MessageStore.insert(rows, on: tx)
            if let idempotency {
                try await IdempotencyStore.complete(idempotency, userID: turn.userID, response: reply, on: tx)
            }
        }
    }
}

extension ChatService {
    enum Beginning: Sendable {
        /// The same `Idempotency-Key` and body were answered before: this is that answer.
        case replay(ChatResponse)
        case turn(Turn)
    }

    /// Reserves the idempotency key (if any) and prepares the turn; nothing is stored for the
    /// turn itself until the engine stores it.
    func begin(_ input: ValidChatRequest, userID: UUID, idempotency: IdempotencyStore.Entry?, on db: any Database) async throws -> Beginning {
        if let idempotency {
            switch try await IdempotencyStore.reserve(idempotency, userID: userID, on: db.sql) {
            case .reserved: break
            case let .replay(stored): return .replay(stored)
            case .conflict: throw Abort.idempotencyConflict
            case .inProgress: throw Abort.idempotencyInProgress
            }
        }
        do {
            return .turn(try await prepare(input, userID: userID, on: db.sql))
        } catch {
            if let idempotency { try? await IdempotencyStore.release(idempotency, userID: userID, on: db.sql) }
            throw error
        }
    }
}
