import Testing
@testable import Parley

/// Every transition of a reply, without HTTP, a database or a clock.
@Suite struct ReplyStateMachineTests {
    @Test func aReplyThatEndsIsStoredCompleteWithTheTextPublished() {
        var machine = ReplyStateMachine()
        #expect(machine.receive("Hel") == .publish(id: 2))
        #expect(machine.receive("") == .ignore)
        #expect(machine.receive("lo") == .publish(id: 3))
        #expect(machine.providerEnded(succeeded: true) == .store(.complete, machine.reply))
        #expect(machine.reply.text == "Hello")
        #expect(machine.finishWritten(stored: true) == .publishFinished(.complete, id: 4))
        #expect(machine.phase == .finished(.complete))
        #expect(machine.isOver)
    }

    @Test func stopCancelsTheProviderAndKeepsWhatCameBeforeIt() {
        var machine = ReplyStateMachine()
        _ = machine.receive("Once")
        #expect(machine.stop() == .cancelProvider)
        #expect(machine.stop() == .none)
        #expect(machine.receive(" upon") == .ignore, "text after Stop is dropped")
        // The cancelled provider call throws; that is the stop, not a failure.
        #expect(machine.providerEnded(succeeded: false) == .store(.stopped, machine.reply))
        #expect(machine.reply.text == "Once")
        #expect(machine.finishWritten(stored: true) == .publishFinished(.stopped, id: 3))
    }

    @Test func stopDuringTheFinalWriteChangesNothing() {
        var machine = ReplyStateMachine()
        _ = machine.receive("Done")
        _ = machine.providerEnded(succeeded: true)
        #expect(machine.stop() == .none)
        #expect(machine.shutdownDeadline() == .none)
        #expect(machine.finishWritten(stored: true) == .publishFinished(.complete, id: 3))
    }

    @Test func aProviderFailureAfterTextRemovesTheTurn() {
        var machine = ReplyStateMachine()
        _ = machine.receive("partial")
        #expect(machine.providerEnded(succeeded: false) == .remove)
        #expect(machine.batchToSave() == nil, "nothing more is saved for a turn being removed")
        #expect(machine.removed() == .publishFailed(id: 3))
        #expect(machine.phase == .failed)
    }

    @Test func theShutdownDeadlineEndsTheReplyInterrupted() {
        var machine = ReplyStateMachine()
        _ = machine.receive("half")
        #expect(machine.shutdownDeadline() == .cancelProvider)
        #expect(machine.providerEnded(succeeded: false) == .store(.interrupted, machine.reply))
        #expect(machine.finishWritten(stored: true) == .publishFinished(.interrupted, id: 3))
    }

    @Test func aLostLeaseWritesNothingMore() {
        var machine = ReplyStateMachine()
        _ = machine.receive("text")
        #expect(machine.leaseLost() == .cancelProvider)
        #expect(machine.batchToSave() == nil)
        #expect(machine.providerEnded(succeeded: true) == .none)
        #expect(machine.isOver)
    }

    @Test func aFinalWriteThatFindsTheRowEndedPublishesInterrupted() {
        var machine = ReplyStateMachine()
        _ = machine.receive("text")
        _ = machine.providerEnded(succeeded: true)
        #expect(machine.finishWritten(stored: false) == .publishFinished(.interrupted, id: 3))
    }

    @Test func batchesCarryOnlyUnsavedText() {
        var machine = ReplyStateMachine()
        #expect(machine.batchToSave() == nil)
        _ = machine.receive("a")
        let first = try! #require(machine.batchToSave())
        _ = machine.receive("b")
        machine.saved(first)
        #expect(machine.batchToSave()?.text == "ab")
        machine.saved(machine.batchToSave()!)
        #expect(machine.batchToSave() == nil)
    }
}

@Suite struct ReplyTextTests {
    @Test func eventIDsNameWhereEachDeltaEnds() {
        var reply = ReplyText()
        #expect(reply.append("héllo") == 2)
        #expect(reply.append(" wörld") == 3)
        #expect(reply.append("!") == 4)
        #expect(reply.terminalID == 5)
        #expect(reply.text(after: 0) == "héllo wörld!")
        #expect(reply.text(after: 1) == "héllo wörld!")
        #expect(reply.text(after: 2) == " wörld!")
        #expect(reply.text(after: 3) == "!")
        #expect(reply.text(after: 4) == "")
        #expect(reply.text(after: 99) == "")
    }

    @Test func theStoredFormRebuildsTheSameBoundaries() {
        var reply = ReplyText()
        for piece in ["a", "🙂b", "", "ccc"] where !piece.isEmpty { _ = reply.append(piece) }
        let rebuilt = ReplyText(text: reply.text, encodedEnds: reply.encodedEnds)
        #expect(rebuilt == reply)
        for id in 0...6 { #expect(rebuilt.text(after: id) == reply.text(after: id)) }
    }

    @Test func boundariesThatDoNotFitTheTextAreIgnored() {
        let reply = ReplyText(text: "abcdef", encodedEnds: "2,x,1,4,99")
        #expect(reply.text(after: 2) == "cdef")
        #expect(reply.text(after: 3) == "ef")
        #expect(reply.terminalID == 5, "text past the last boundary is one more delta")
    }
}
