import Foundation
import NIOConcurrencyHelpers
import Vapor

/// One reply being generated, owned by the process rather than by the request that asked for it:
/// the provider call runs in a task of its own, every client attaches as a subscriber, and a
/// client that leaves changes nothing. `ReplyStateMachine` decides every transition; this type
/// carries its actions out (publish, save, cancel, store, remove).
final class ReplyRun: Sendable {
    let turn: ChatService.Turn

    private struct State {
        var machine = ReplyStateMachine()
        var subscribers: [ObjectIdentifier: ReplyEvents] = [:]
        var finalEvent: NumberedEvent?
        var whenOver: [CheckedContinuation<Void, Never>] = []
    }

    private let state = NIOLockedValueBox(State())
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)
    /// The share of its user's monthly budget this reply holds until its usage is recorded.
    private let reservation: TokenBudgets.Reservation?
    private let budgets: TokenBudgets

    init(turn: ChatService.Turn, reservation: TokenBudgets.Reservation? = nil, budgets: TokenBudgets = TokenBudgets()) {
        self.turn = turn
        self.reservation = reservation
        self.budgets = budgets
    }

    var messageID: UUID { turn.replyID }

    // MARK: Attaching

    /// The reply's events after event `after` (0: from the start), then live ones until its end.
    /// The catch-up and the subscription happen under one lock, so no event is missed or repeated.
    func events(after: Int) -> ReplyEvents {
        let continuation = ReplyEvents()
        let subscriber = ObjectIdentifier(continuation)
        continuation.onTermination { [weak self] in
            _ = self?.state.withLockedValue { $0.subscribers.removeValue(forKey: subscriber) }
        }
        let ended = state.withLockedValue { state in
            let reply = state.machine.reply
            if after < ReplyText.startID {
                continuation.yield(NumberedEvent(id: ReplyText.startID, event: .start(conversationID: turn.conversationID, messageID: turn.replyID)))
            }
            let missed = reply.text(after: after)
            if !missed.isEmpty { continuation.yield(NumberedEvent(id: reply.lastDeltaID, event: .delta(missed))) }
            guard let final = state.finalEvent else {
                state.subscribers[subscriber] = continuation
                return false
            }
            if final.id > after { continuation.yield(final) }
            return true
        }
        // Finishing runs onTermination, which takes the lock: never under it.
        if ended { continuation.finish() }
        return continuation
    }

    /// Waits until the reply has ended, however it ended.
    func waitUntilOver() async {
        await withCheckedContinuation { waiter in
            let over = state.withLockedValue { state in
                if state.machine.isOver { return true }
                state.whenOver.append(waiter)
                return false
            }
            if over { waiter.resume() }
        }
    }

    var isOver: Bool { state.withLockedValue { $0.machine.isOver } }

    // MARK: Inputs from outside

    func stop() { cancel(state.withLockedValue { $0.machine.stop() }) }
    func shutdownDeadline() { cancel(state.withLockedValue { $0.machine.shutdownDeadline() }) }

    /// Another process marked the reply interrupted: stop generating, write nothing more.
    func leaseLost() {
        let (action, subscribers) = state.withLockedValue { state -> (ReplyStateMachine.CancelAction, [ReplyEvents]) in
            let action = state.machine.leaseLost()
            guard action == .cancelProvider else { return (action, []) }
            // The reply is what the database holds, which the sweep marked interrupted.
            let saved = String(state.machine.savedText)
            return (action, publishFinal(NumberedEvent(id: state.machine.reply.terminalID, event: .finished(.interrupted, response(saved, completion: nil))), in: &state))
        }
        finish(subscribers)
        cancel(action)
    }

    /// The text to save, if the database lacks some; `saved` once it is written.
    func batchToSave() -> ReplyText? { state.withLockedValue { $0.machine.batchToSave() } }
    func saved(_ batch: ReplyText) { state.withLockedValue { $0.machine.saved(batch) } }

    // MARK: Generating

    /// Calls the provider in a task of its own and carries the reply to its end.
    func start(chat: ChatService, store: ReplyStore, logger: Logger, whenOver: @escaping @Sendable () -> Void) {
        let task = Task {
            await self.generate(chat: chat, store: store, logger: logger)
            whenOver()
        }
        self.task.withLockedValue { $0 = task }
    }

    private func generate(chat: ChatService, store: ReplyStore, logger: Logger) async {
        // Whatever the end, the reservation goes back, after the real usage is counted (so no
        // moment counts neither) and before the last event (so a client's next turn sees it).
        defer { releaseReservation() }
        var completion: LLMCompletion?
        var failure: (any Error)?
        do {
            completion = try await chat.generate(turn) { piece in self.receive(piece) }
        } catch {
            failure = error
        }
        switch state.withLockedValue({ $0.machine.providerEnded(succeeded: failure == nil) }) {
        case let .store(status, reply):
            let final = response(reply.text, completion: completion)
            // A stateless turn has no row: its end is "stored" by being published, its tokens counted
            // apart; a stored one counts them in the same write as its end.
            let stored = turn.isStored ? await Self.retrying(logger, "store the end of reply \(turn.replyID)") {
                try await store.finish(turn.replyID, status: status, reply: reply, answer: final, userID: turn.userID, conversationID: turn.conversationID)
            } ?? false : true
            if !turn.isStored { await recordUsage(final.usage, store: store, logger: logger) }
            releaseReservation()
            chat.metrics.record(stored && status == .complete ? .ok : status == .stopped ? .stopped : .interrupted)
            finish(state.withLockedValue { state in
                guard case let .publishFinished(status, id) = state.machine.finishWritten(stored: stored) else { return [] }
                // Not stored: the reply is what its saved batches hold, which a sweep will mark interrupted.
                let answer = stored ? final : response(String(state.machine.savedText), completion: completion)
                return publishFinal(NumberedEvent(id: id, event: .finished(status, answer)), in: &state)
            })
        case .remove:
            let error = failure ?? CancellationError()
            chat.metrics.record(ChatMetrics.outcome(of: error))
            if error is LLMError {
                logger.warning("chat: provider failed, nothing stored: \(String(reflecting: error))")
            } else {
                logger.error("chat: turn failed, nothing stored: \(String(reflecting: error))")
            }
            if turn.isStored {
                _ = await Self.retrying(logger, "remove the failed turn of reply \(turn.replyID)") { try await store.remove(turn) }
            }
            finish(state.withLockedValue { state in
                guard case let .publishFailed(id) = state.machine.removed() else { return [] }
                return publishFinal(NumberedEvent(id: id, event: .failed(error)), in: &state)
            })
        case .none:
            break  // abandoned: the lease's sweep already ended it
        }
    }

    /// A write at the end of a reply, tried again over a few seconds: a database that is briefly
    /// unreachable must not turn a finished reply into an interrupted one, or a failed turn into a
    /// stored one. Nil when every try failed.
    private static func retrying<T: Sendable>(_ logger: Logger, _ what: String, _ write: () async throws -> T) async -> T? {
        for pause in [Duration.milliseconds(250), .seconds(1), .seconds(3), .zero] {
            do {
                return try await write()
            } catch {
                logger.error("chat: could not \(what)\(pause == .zero ? "" : ", trying again"): \(String(reflecting: error))")
                if pause != .zero { try? await Task.sleep(for: pause) }
            }
        }
        return nil
    }

    private let reservationHeld = NIOLockedValueBox(true)

    /// Gives the budget reservation back, once.
    private func releaseReservation() {
        guard let reservation, reservationHeld.withLockedValue({ held in defer { held = false }; return held }) else { return }
        budgets.release(reservation)
    }

    /// Adds the reply's tokens to its user's month (`token_usage`), whatever route asked for it.
    private func recordUsage(_ usage: TokenUsage, store: ReplyStore, logger: Logger) async {
        let tokens = usage.promptTokens + usage.completionTokens
        let month = UsageStore.month(of: Date())
        do {
            try await store.writer.transaction { [turn] in try await UsageStore.add(tokens, to: turn.userID, in: month, on: $0) }
        } catch {
            logger.error("chat: could not count the \(tokens) tokens of reply \(turn.replyID): \(String(reflecting: error))")
        }
    }

    private func receive(_ piece: String) {
        state.withLockedValue { state in
            guard case let .publish(id) = state.machine.receive(piece) else { return }
            let event = NumberedEvent(id: id, event: .delta(Substring(piece)))
            for subscriber in state.subscribers.values { subscriber.yield(event) }
        }
    }

    /// Sends the last event to every subscriber (under the lock, so it follows every delta) and
    /// returns them, to be finished once the lock is released.
    private func publishFinal(_ event: NumberedEvent, in state: inout State) -> [ReplyEvents] {
        state.finalEvent = event
        let subscribers = Array(state.subscribers.values)
        for subscriber in subscribers { subscriber.yield(event) }
        state.subscribers = [:]
        for waiter in state.whenOver { waiter.resume() }
        state.whenOver = []
        return subscribers
    }

    private func finish(_ subscribers: [ReplyEvents]) {
        for subscriber in subscribers { subscriber.finish() }
    }

    private func cancel(_ action: ReplyStateMachine.CancelAction) {
        guard action == .cancelProvider else { return }
        task.withLockedValue { $0 }?.cancel()
    }

    private func response(_ text: String, completion: LLMCompletion?) -> ChatResponse {
        turn.response(text: text, completion: completion)
    }
}
