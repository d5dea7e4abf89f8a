import NIOConcurrencyHelpers

/// One client's view of a reply: the events it has not read yet. Like an `AsyncStream`, except
/// that a reader takes everything waiting at once (`nextBatch`), so a stream that falls behind
/// writes many deltas in one buffer and one wake-up instead of one each.
final class ReplyEvents: AsyncSequence, Sendable {
    typealias Element = NumberedEvent

    private struct State {
        var waiting: [NumberedEvent] = []
        var finished = false
        var reader: CheckedContinuation<[NumberedEvent]?, Never>?
        var onTermination: (@Sendable () -> Void)?
    }
    private let state = NIOLockedValueBox(State())

    /// Runs once, when the events end or their reader goes away.
    func onTermination(_ action: @escaping @Sendable () -> Void) {
        let now = state.withLockedValue { state -> Bool in
            if state.finished { return true }
            state.onTermination = action
            return false
        }
        if now { action() }
    }

    func yield(_ event: NumberedEvent) {
        let (reader, events) = state.withLockedValue { state -> (CheckedContinuation<[NumberedEvent]?, Never>?, [NumberedEvent]) in
            guard !state.finished else { return (nil, []) }
            guard let reader = state.reader else {
                state.waiting.append(event)
                return (nil, [])
            }
            state.reader = nil
            return (reader, [event])
        }
        reader?.resume(returning: events)
    }

    /// No more events: the reader gets what is waiting, then nil.
    func finish() {
        let (reader, action) = state.withLockedValue { state -> (CheckedContinuation<[NumberedEvent]?, Never>?, (@Sendable () -> Void)?) in
            guard !state.finished else { return (nil, nil) }
            state.finished = true
            defer { state.onTermination = nil }
            let reader = state.waiting.isEmpty ? state.reader : nil
            if reader != nil { state.reader = nil }
            return (reader, state.onTermination)
        }
        reader?.resume(returning: nil)
        action?()
    }

    /// Every event waiting (at least one), or nil once they have ended; nil too when the reading
    /// task is cancelled, which ends them for good.
    func nextBatch() async -> [NumberedEvent]? {
        let batch: [NumberedEvent]? = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLockedValue { state -> [NumberedEvent]?? in
                    if !state.waiting.isEmpty {
                        defer { state.waiting = [] }
                        return .some(state.waiting)
                    }
                    if state.finished || Task.isCancelled { return .some(nil) }
                    state.reader = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            finish()
        }
        return batch
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let events: ReplyEvents
        var batch: ArraySlice<NumberedEvent> = []

        mutating func next() async -> NumberedEvent? {
            if batch.isEmpty {
                guard let more = await events.nextBatch() else { return nil }
                batch = more[...]
            }
            return batch.popFirst()
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(events: self) }
}
