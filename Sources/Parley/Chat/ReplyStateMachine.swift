/// The life of one reply, decided in one place:
///
///     generating ──provider ends──▶ finishing(complete) ──stored──▶ finished(complete)
///         │  └──provider fails──▶ removing ──removed──▶ failed  (nothing stored)
///         ├──stop──▶ cancelling(stopped) ──provider ends──▶ finishing(stopped) ──▶ finished(stopped)
///         ├──shutdown deadline──▶ cancelling(interrupted) ──▶ … ──▶ finished(interrupted)
///         └──lease lost──▶ abandoned  (another process has marked the row interrupted)
///
/// Each input returns the action its caller must take; the machine does no I/O, so every path
/// (stop during the final write, a failure after text, a lease lost mid-reply) is a plain unit
/// test. The text and its delta boundaries live here, so what is published, saved and stored is
/// one value.
struct ReplyStateMachine: Sendable {
    enum Phase: Equatable, Sendable {
        case generating
        /// The provider request is being cancelled; the reply will end with this status.
        case cancelling(MessageStatus)
        /// The final write is under way.
        case finishing(MessageStatus)
        case finished(MessageStatus)
        /// The provider failed; the turn is being removed.
        case removing
        case failed
        /// The lease lapsed: the row is no longer this process's to write.
        case abandoned
    }

    private(set) var phase = Phase.generating
    private(set) var reply = ReplyText()
    /// How many deltas the database holds.
    private(set) var savedDeltas = 0

    /// The text the database holds: what the last saved batch had.
    var savedText: Substring {
        guard savedDeltas > 0 else { return "" }
        let end = reply.text.utf8.index(reply.text.utf8.startIndex, offsetBy: reply.ends[savedDeltas - 1])
        return Substring(reply.text.utf8[..<end])
    }

    var isOver: Bool {
        switch phase {
        case .finished, .failed, .abandoned: true
        default: false
        }
    }

    // MARK: Text

    enum DeltaAction: Equatable {
        case publish(id: Int)
        case ignore
    }

    /// A piece of text from the provider. Text that arrives once the reply is ending is dropped,
    /// so what was stopped stays stopped.
    mutating func receive(_ piece: String) -> DeltaAction {
        guard phase == .generating, !piece.isEmpty else { return .ignore }
        return .publish(id: reply.append(piece))
    }

    /// The text to save now, if any is unsaved and the row is still this process's to write.
    func batchToSave() -> ReplyText? {
        switch phase {
        case .generating, .cancelling: reply.deltaCount > savedDeltas ? reply : nil
        default: nil
        }
    }

    mutating func saved(_ batch: ReplyText) {
        savedDeltas = max(savedDeltas, batch.deltaCount)
    }

    // MARK: Ending

    enum CancelAction: Equatable {
        case cancelProvider
        case none
    }

    /// A user pressed Stop. Once the provider has ended the reply keeps the end it has.
    mutating func stop() -> CancelAction {
        guard phase == .generating else { return .none }
        phase = .cancelling(.stopped)
        return .cancelProvider
    }

    /// The process is stopping and its grace period is over.
    mutating func shutdownDeadline() -> CancelAction {
        guard phase == .generating else { return .none }
        phase = .cancelling(.interrupted)
        return .cancelProvider
    }

    /// Another process found the lease lapsed and marked the reply interrupted.
    mutating func leaseLost() -> CancelAction {
        switch phase {
        case .generating, .cancelling:
            phase = .abandoned
            return .cancelProvider
        default:
            return .none
        }
    }

    enum EndAction: Equatable {
        /// Write the reply's final text and status.
        case store(MessageStatus, ReplyText)
        /// Remove the turn: the provider failed and nothing may be stored.
        case remove
        case none
    }

    /// The provider call returned or threw. A failure while cancelling is the cancellation itself.
    mutating func providerEnded(succeeded: Bool) -> EndAction {
        switch phase {
        case .generating where succeeded:
            phase = .finishing(.complete)
            return .store(.complete, reply)
        case .generating:
            phase = .removing
            return .remove
        case let .cancelling(status):
            phase = .finishing(status)
            return .store(status, reply)
        default:
            return .none
        }
    }

    enum PublishAction: Equatable {
        case publishFinished(MessageStatus, id: Int)
        case publishFailed(id: Int)
        case none
    }

    /// The final write ended; `stored` false when it changed nothing or failed (another process
    /// took the row over, or the database is gone): the reply is then what the database says,
    /// which a sweep will make `interrupted`.
    mutating func finishWritten(stored: Bool) -> PublishAction {
        guard case let .finishing(status) = phase else { return .none }
        let final = stored ? status : .interrupted
        phase = .finished(final)
        if stored { savedDeltas = reply.deltaCount }
        return .publishFinished(final, id: reply.terminalID)
    }

    mutating func removed() -> PublishAction {
        guard phase == .removing else { return .none }
        phase = .failed
        return .publishFailed(id: reply.terminalID)
    }
}
