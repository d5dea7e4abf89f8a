import FluentPostgresDriver
import Foundation
import NIOConcurrencyHelpers
import Vapor

/// The replies this process generates, and the background work that keeps each one safe: its
/// text saved every `saveEvery`, its lease renewed (and a Stop sent to another replica noticed)
/// every `leaseEvery`, replies of dead processes swept to `interrupted`, and a drain on shutdown.
/// Clients attach here: to a reply of this process directly, to any other by following its row.
final class ReplyRuns: Sendable {
    let store: ReplyStore
    let signals: ReplySignals
    private let chat: ChatService
    private let logger: Logger
    /// On PostgreSQL, where the `LISTEN` connection goes (see `ReplyChannel`).
    private let listen: PostgresConnection.Configuration?

    static let saveEvery: Duration = .milliseconds(250)
    /// Renewals also carry Stop requests from other replicas, for when a NOTIFY was missed.
    static let leaseEvery: Duration = .seconds(1)
    /// With an 8 s lease, a dead process's replies end within about 9 s.
    static let sweepEvery: Duration = .seconds(1)
    /// However slow saving gets, text is saved at least this often.
    static let longestSavePause: Duration = .seconds(2)
    /// A follower of a reply generated elsewhere re-reads its row at least this often.
    static let followEvery: Duration = .seconds(1)

    private struct State {
        var runs: [UUID: ReplyRun] = [:]
        var draining = false
        var background: Task<Void, Never>?
        var listener: Task<Void, Never>?
    }
    private let state = NIOLockedValueBox(State())

    /// Where replies give back their reservations.
    let budgets: TokenBudgets

    init(chat: ChatService, store: ReplyStore, budgets: TokenBudgets = TokenBudgets(), listen: PostgresConnection.Configuration? = nil, logger: Logger) {
        self.budgets = budgets
        self.chat = chat
        self.store = store
        self.listen = listen
        self.signals = ReplySignals()
        self.logger = logger
    }

    /// The process is stopping: new turns are refused (503) from now on.
    var isDraining: Bool { state.withLockedValue { $0.draining } }

    func run(_ id: UUID) -> ReplyRun? { state.withLockedValue { $0.runs[id] } }

    var running: Int { state.withLockedValue { $0.runs.count } }

    /// Starts generating an accepted turn's reply; `reservation` (its share of a budget) is
    /// released once the reply's real usage is recorded.
    func start(_ turn: ChatService.Turn, reservation: TokenBudgets.Reservation? = nil, logger: Logger) -> ReplyRun {
        let run = ReplyRun(turn: turn, reservation: reservation, budgets: budgets)
        state.withLockedValue { $0.runs[turn.replyID] = run }
        run.start(chat: chat, store: store, logger: logger) { [weak self] in self?.ended(run) }
        return run
    }

    private func ended(_ run: ReplyRun) {
        state.withLockedValue { $0.runs[run.messageID] = nil }
        signals.signal(run.messageID)
    }

    // MARK: Attaching

    /// A reply's events after event `after`: live from this process's run, or followed through
    /// the database when another process generates it (or generated it).
    func events(of id: UUID, after: Int) -> ReplyEvents {
        if let run = run(id) { return run.events(after: after) }
        let events = ReplyEvents()
        let task = Task { await self.follow(id, after: after, into: events) }
        events.onTermination { task.cancel() }
        return events
    }

    private func follow(_ id: UUID, after: Int, into continuation: ReplyEvents) async {
        signals.watch(id)
        defer {
            signals.unwatch(id)
            continuation.finish()
        }
        var sent = after
        while !Task.isCancelled {
            // This process may have started it meanwhile (a retry racing its first request).
            if let run = run(id) {
                for await event in run.events(after: sent) { continuation.yield(event) }
                return
            }
            let seen = signals.version(of: id)
            let snapshot: ReplySnapshot?
            do {
                snapshot = try await store.snapshot(id)
            } catch {
                logger.warning("chat: could not read reply \(id) for a follower: \(String(reflecting: error))")
                await signals.wait(for: id, newerThan: seen, timeout: Self.followEvery)
                continue
            }
            guard let snapshot else {
                // The row is gone: its provider failed and the turn was removed (or it was deleted).
                continuation.yield(NumberedEvent(id: max(sent + 1, 2), event: .failed(Abort(.badGateway, reason: "The reply failed and was not stored"))))
                return
            }
            if sent < ReplyText.startID {
                continuation.yield(NumberedEvent(id: ReplyText.startID, event: .start(conversationID: snapshot.conversationID, messageID: id)))
                sent = ReplyText.startID
            }
            if snapshot.reply.lastDeltaID > sent {
                continuation.yield(NumberedEvent(id: snapshot.reply.lastDeltaID, event: .delta(snapshot.reply.text(after: sent))))
                sent = snapshot.reply.lastDeltaID
            }
            if snapshot.status != .streaming {
                if snapshot.reply.terminalID > sent {
                    continuation.yield(NumberedEvent(id: snapshot.reply.terminalID, event: .finished(snapshot.status, snapshot.answer(messageID: id))))
                }
                return
            }
            await signals.wait(for: id, newerThan: seen, timeout: Self.followEvery)
        }
    }

    // MARK: Background work

    func startBackground() {
        // Saves and leases run apart, so that slow saves under load never hold a renewal back.
        let saves = Task {
            var pause = Self.saveEvery
            while !Task.isCancelled {
                try? await Task.sleep(for: pause)
                // Under load, saves grow and come less often: the database spends at most about
                // a third of its time on them, and a reply still loses at most one batch.
                let started = ContinuousClock.now
                await saveBatches()
                pause = min(max(Self.saveEvery, (ContinuousClock.now - started) * 2), Self.longestSavePause)
            }
        }
        let leases = Task {
            var lastSweep = ContinuousClock.now - Self.sweepEvery  // sweep at start: a previous run's replies
            while !Task.isCancelled {
                if ContinuousClock.now - lastSweep >= Self.sweepEvery {
                    lastSweep = .now
                    await sweep()
                }
                try? await Task.sleep(for: Self.leaseEvery)
                await renew()
            }
        }
        let task = Task {
            await withTaskCancellationHandler {
                await saves.value
                await leases.value
            } onCancel: {
                saves.cancel()
                leases.cancel()
            }
        }
        let listener = listen.map { configuration in
            Task { await ReplyChannel.listen(configuration: configuration, logger: logger) { [weak self] in self?.received($0) } }
        }
        state.withLockedValue {
            $0.background = task
            $0.listener = listener
        }
    }

    /// A notification from another replica: a reply's row changed, or a Stop for one of ours.
    private func received(_ part: Substring) {
        if part.hasPrefix("stop:") {
            if let id = UUID(canonicalText: String(part.dropFirst(5))) { run(id)?.stop() }
        } else if let id = UUID(canonicalText: String(part)) {
            signals.signal(id)
        }
    }

    private func saveBatches() async {
        // A stateless turn's run has no row to save to.
        let runs = state.withLockedValue { Array($0.runs.values) }.filter(\.turn.isStored)
        let batches = runs.compactMap { run in run.batchToSave().map { (run, $0) } }
        guard !batches.isEmpty else { return }
        do {
            try await store.save(batches.map { ($0.0.messageID, $0.1) })
            for (run, batch) in batches {
                run.saved(batch)
                signals.signal(run.messageID)
            }
        } catch {
            logger.warning("chat: could not save the text of \(batches.count) replies (will try again): \(String(reflecting: error))")
        }
    }

    private func renew() async {
        // A stateless turn's run holds no lease: nothing else could take it over.
        let runs = state.withLockedValue { Array($0.runs.values) }.filter(\.turn.isStored)
        guard !runs.isEmpty else { return }
        do {
            let running = try await store.renewLeases(of: runs.map(\.messageID))
            for run in runs {
                switch running[run.messageID] {
                case true?: run.stop()
                case false?: break
                // Its row is no longer streaming under this process's name: a sweep elsewhere ended it
                // (or its own final write just did, which the run ignores).
                case nil: run.leaseLost()
                }
            }
        } catch {
            logger.warning("chat: could not renew reply leases: \(String(reflecting: error))")
        }
    }

    private func sweep() async {
        do {
            let live = state.withLockedValue { Set($0.runs.keys) }
            for id in try await store.interruptLapsed(sparing: live) {
                logger.warning("chat: reply \(id) was interrupted: the process generating it stopped renewing its lease")
                signals.signal(id)
            }
        } catch {
            logger.warning("chat: could not look for interrupted replies: \(String(reflecting: error))")
        }
    }

    /// Lets running replies finish for up to `grace`, then ends the rest `interrupted` with their
    /// text saved; new turns are refused meanwhile. Stops the background work last.
    func drain(grace: Duration) async {
        state.withLockedValue { $0.draining = true }
        let deadline = ContinuousClock.now + grace
        if running > 0 { logger.notice("stopping: letting \(running) running replies finish (up to \(grace))") }
        while running > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(100))
        }
        let left = state.withLockedValue { Array($0.runs.values) }
        if !left.isEmpty { logger.warning("stopping: \(left.count) replies did not finish in time; they are saved as interrupted") }
        for run in left { run.shutdownDeadline() }
        for run in left { await run.waitUntilOver() }
        let (background, listener) = state.withLockedValue { ($0.background, $0.listener) }
        background?.cancel()
        listener?.cancel()
        await background?.value
        await listener?.value
    }
}
