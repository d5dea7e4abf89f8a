/// Holds callers of `pass()` until `open()`, and lets a test wait until some number of callers
/// have come by: held at `pass()`, or counted with `note()` when they were answered before
/// reaching it. How tests order a race without sleeping.
actor Gate {
    private var isOpen = false
    private var held: [CheckedContinuation<Void, Never>] = []
    private var arrivals = 0
    private var watchers: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []

    func pass() async {
        arrive()
        guard !isOpen else { return }
        await withCheckedContinuation { held.append($0) }
    }

    func note() {
        arrive()
    }

    func waitForArrivals(_ count: Int) async {
        guard arrivals < count else { return }
        await withCheckedContinuation { watchers.append((count, $0)) }
    }

    func open() {
        isOpen = true
        for continuation in held { continuation.resume() }
        held = []
    }

    private func arrive() {
        arrivals += 1
        let due = watchers.filter { $0.count <= arrivals }
        watchers.removeAll { $0.count <= arrivals }
        for watcher in due { watcher.continuation.resume() }
    }
}
